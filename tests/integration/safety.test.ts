/**
 * Safety rails through the provider's operations against the emulator (real Graph client and
 * @azure/identity): the ownership refusal, the throttle-percentage header, the body size cap.
 * tests/engine/safety.test.ts drives the start and restart rules through the provider host.
 */
import * as assert from "assert";
import { Emulator } from "../../emulator";
import { OwnershipError } from "../../provider/errors";
import { MAX_BODY_BYTES } from "../../provider/graph/transport";
import * as ops from "../../provider/operations";
import { emulatorEnv, setEnv, startTestEmulator } from "../support/testEnv";
import { config, failure, inputs } from "../support/operations";

describe("safety: provider operations against the emulator", function () {
    this.timeout(60_000);
    let emu: Emulator;
    let restore: () => void;
    beforeEach(async () => {
        emu = await startTestEmulator();
        restore = setEnv(emulatorEnv(emu));
        await config({});
    });
    afterEach(async () => {
        restore();
        await emu.close();
    });

    it("Application.ReadWrite.OwnedBy without ownership: 401 UnknownError is explained as ownership, with the request-id; no fresh token is asked for", async () => {
        const owned = emu.addClient({ ownedBy: true, displayName: "owned-by" });
        await config({ "azuread:tenantId": emu.tenantId, "azuread:clientId": owned.clientId, "azuread:clientSecret": owned.secret! });
        const sp = emu.seed.servicePrincipalId;
        const e = await failure(ops.create(inputs(sp, emu.seed.pausedJobId, { triggers: 1 })));
        assert.ok(e instanceof OwnershipError, e.message);
        const requestId = (e as OwnershipError).requestId;
        assert.match(requestId ?? "", /^[0-9a-f-]{36}$/);
        assert.strictEqual(
            e.message,
            `read job failed: GET /v1.0/servicePrincipals/${sp}/synchronization/jobs/${emu.seed.pausedJobId} -> 401 UnknownError (request-id ${requestId}). ` +
                "Graph answers this to a caller with Application.ReadWrite.OwnedBy that does not own the enterprise application: make the identity " +
                `(ClientSecretCredential (client ${owned.clientId} from azuread:clientId, secret from azuread:clientSecret, tenant from azuread:tenantId)) ` +
                `an owner of the service principal ${sp} (Entra admin center > Enterprise applications > the application > Owners; owning the app registration is not enough), ` +
                "or grant it Synchronization.ReadWrite.All. It is not a token problem: no fresh token was asked for.",
        );
        assert.deepStrictEqual([emu.count({ kind: "token" }), emu.graphCalls()], [1, ["GET getJob"]]);
        assert.strictEqual(emu.job(sp, emu.seed.pausedJobId)!.starts, 0);

        emu.addOwner(sp, owned.clientId);
        emu.clearLog();
        assert.strictEqual((await ops.create(inputs(sp, emu.seed.pausedJobId, { triggers: 1 }))).outs!.lastAction, "started");
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
    });

    it("x-ms-throttle-limit-percentage past 80%: the limit on requests in flight halves, as on a 429, and the call succeeds", async () => {
        const target = inputs(emu.seed.servicePrincipalId, emu.seed.pausedJobId, { triggers: 1 });
        const limiter = ops.sessionFor(target).limiter;
        const before = limiter.controller.limit;
        emu.inject({ fault: { kind: "throttleWarning", percentage: 0.85 }, routes: ["getJob"], times: 1 });
        const r = await ops.create(target);
        assert.strictEqual(r.outs!.lastAction, "started");
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob", "POST start", "GET getJob"]);
        assert.strictEqual(limiter.controller.limit, Math.floor(before / 2));
    });

    it("an oversized answer is cut at the cap and not read as state: the create fails at once, naming the size, and nothing is started", async () => {
        const sp = emu.seed.servicePrincipalId;
        const jobId = emu.seed.pausedJobId;
        emu.inject({ fault: { kind: "oversized", bytes: 100 * 1024 * 1024 }, routes: ["getJob"] });
        const e = await failure(ops.create(inputs(sp, jobId, { triggers: 1 })));
        assert.match(
            e.message,
            new RegExp(
                `^read job failed: GET /v1\\.0/servicePrincipals/${sp}/synchronization/jobs/${jobId.replace(/\./g, "\\.")} -> 200: ` +
                    `the answer's body announced ${100 * 1024 * 1024} bytes, over the 1 MiB read at most \\(a job is a few KB\\), so it was not read; 1 attempt in \\d+\\.\\d s\\. ` +
                    `It was not read as the job's state\\. Check what answers for ${emu.graphEndpoint.replace(/\./g, "\\.")} \\(a proxy, a wrong graphEndpoint\\)\\.$`,
            ),
        );
        assert.strictEqual(MAX_BODY_BYTES, 1024 * 1024);
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
        assert.strictEqual(emu.job(sp, jobId)!.starts, 0);

        // Without Content-Length, the read stops where the cap is passed.
        emu.clearFaults();
        emu.clearLog();
        emu.inject({ fault: { kind: "oversized", bytes: 100 * 1024 * 1024, chunked: true }, routes: ["getJob"] });
        const chunked = await failure(ops.create(inputs(sp, jobId, { triggers: 1 })));
        assert.match(
            chunked.message,
            /-> 200: the answer's body passed 1048576 bytes, over the 1 MiB read at most \(a job is a few KB\), so it was not read; 1 attempt in /,
        );
        assert.deepStrictEqual(emu.graphCalls(), ["GET getJob"]);
    });
});
