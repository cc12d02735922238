/**
 * The pure safety rules: destructive restart scopes need consent (check), what a start or restart
 * may not do without it, ensureActive's drift, and which fields of a job answer reach state.
 */
import * as assert from "assert";
import * as fc from "fast-check";
import { decide } from "../../provider/diff";
import { HeldDeletionsError, InboundPurgeError } from "../../provider/errors";
import { readJobFields, reportRefused } from "../../provider/fields";
import { checkInputs } from "../../provider/inputs";
import { heldDeletionsSeen, isInboundApiJob, refusal } from "../../provider/safety";

const SP = "11111111-2222-4333-8444-555555555555";
const PATH = `/v1.0/servicePrincipals/${SP}/synchronization/jobs/scim.1`;

describe("check: destructive restart scopes need consent", () => {
    const check = (extra: Record<string, unknown>) => checkInputs({ servicePrincipalId: SP, jobId: "scim.1", ...extra });

    it("Full needs allowFullResync, ForceDeletes needs allowHeldDeletes; each message says what the scope does", () => {
        assert.deepStrictEqual(check({ restartScope: "watermark, full" }).failures, [
            {
                property: "restartScope",
                reason:
                    "Full breaks the links between source and target objects and matches every object anew (the admin center's restart does not); " +
                    'set allowFullResync: true to allow it, or leave Full out (the default "Watermark, Escrows, QuarantineState" is the admin center\'s Restart provisioning)',
            },
        ]);
        assert.deepStrictEqual(check({ restartScope: "ForceDeletes, Full", allowFullResync: true }).failures, [
            {
                property: "restartScope",
                reason:
                    "ForceDeletes performs the deletions Entra is holding after an accidental-deletion quarantine (TooManyDeletes); " +
                    'set allowHeldDeletes: true to allow it, or leave ForceDeletes out (the default "Watermark, Escrows, QuarantineState" is the admin center\'s Restart provisioning)',
            },
        ]);
        assert.strictEqual(check({ restartScope: "ForceDeletes, Full" }).failures.length, 2);
        assert.deepStrictEqual(check({ restartScope: "Full, ForceDeletes", allowFullResync: true, allowHeldDeletes: true }).failures, []);
        assert.deepStrictEqual(check({ restartScope: "Watermark, Escrows" }).failures, []);
    });

    it("the allow inputs default to false, must be booleans, and an unknown one (preview) is checked later", () => {
        const { inputs } = check({});
        assert.deepStrictEqual([inputs.allowHeldDeletes, inputs.allowFullResync, inputs.allowInboundPurge], [false, false, false]);
        assert.deepStrictEqual(check({ allowInboundPurge: "yes" }).failures, [
            { property: "allowInboundPurge", reason: '"yes" is not true or false' },
        ]);
        assert.deepStrictEqual(check({ restartScope: "Full", allowFullResync: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }).failures, []);
    });
});

describe("safety: what a start or restart may not do without consent", () => {
    const held = {
        id: "scim.1",
        status: "Quarantine",
        scheduleState: "Active",
        quarantineReason: "TooManyDeletes",
        deleteThreshold: "500",
    };

    it("a job holding deletions: start and restart refused without allowHeldDeletes, with the whole message", () => {
        const e = refusal("start", { ...held, troubleshootingUrl: "https://go.microsoft.com/fwlink/?linkid=2157929" }, {}, PATH);
        assert.ok(e instanceof HeldDeletionsError);
        assert.strictEqual(
            e.message,
            `start refused: ${PATH} is in quarantine with reason TooManyDeletes: a provisioning cycle would delete more objects than the accidental-deletion threshold ` +
                "(QuarantineTooManyDeletesThreshold 500), and Entra is holding those deletions. Starting or restarting the job would perform them. " +
                "Review them first in the provisioning logs (Entra admin center > Enterprise applications > the application > Provisioning logs, action StagedDelete) " +
                "and at https://go.microsoft.com/fwlink/?linkid=2157929. If they are not wanted, fix the scoping filter or attribute mappings and restart the job from the admin center; " +
                'if they are, set allowHeldDeletes: true (a restart with restartScope "ForceDeletes" releases them, as does a start).',
        );
        assert.match(
            refusal("restart", { ...held, deleteThreshold: undefined }, {}, PATH)!.message,
            /^restart refused: .*\(the job's settings do not give QuarantineTooManyDeletesThreshold\)/,
        );
        assert.strictEqual(refusal("start", held, { allowHeldDeletes: true }, PATH), undefined);
        assert.strictEqual(refusal("start", { ...held, quarantineReason: "EncounteredQuarantineException" }, {}, PATH), undefined);
        assert.match(
            heldDeletionsSeen(held, PATH, "start")!.message,
            /^wait for job failed: \/v1\.0\/.* entered quarantine after the start with reason TooManyDeletes: a provisioning cycle/,
        );
        assert.strictEqual(heldDeletionsSeen({ ...held, status: "Active" }, PATH, "start"), undefined);
    });

    it("an inbound job that is not running: restart refused without allowInboundPurge; a start, or a running job, is fine", () => {
        const inbound = { id: "API2AAD.abc.def", status: "Paused", scheduleState: "Paused", templateId: "API2AAD" };
        const e = refusal("restart", inbound, {}, PATH);
        assert.ok(e instanceof InboundPurgeError);
        assert.strictEqual(
            e.message,
            `restart refused: ${PATH} is an API-driven inbound provisioning job (API2AAD) and is not running (Paused/Paused): ` +
                "a restart now purges the data uploaded to it (bulkUpload) that was not processed yet. " +
                "Start it instead (change triggers) so that the uploads are processed, then restart; or set allowInboundPurge: true to restart it and lose them.",
        );
        assert.strictEqual(refusal("restart", inbound, { allowInboundPurge: true }, PATH), undefined);
        assert.strictEqual(refusal("start", inbound, {}, PATH), undefined);
        assert.strictEqual(refusal("restart", { ...inbound, status: "Active", scheduleState: "Active" }, {}, PATH), undefined);
        assert.deepStrictEqual(
            [
                isInboundApiJob({ id: "API2AD.x.y" }),
                isInboundApiJob({ id: "scim.x", templateId: "API2AAD" }),
                isInboundApiJob({ id: "scim.API2AAD" }),
            ],
            [true, true, false],
        );
    });

    it("ensureActive plans nothing for a job holding deletions, unless allowHeldDeletes", () => {
        const olds = {
            servicePrincipalId: SP,
            jobId: "scim.1",
            status: "Quarantine",
            quarantineReason: "TooManyDeletes",
            ensureActive: true,
        };
        assert.deepStrictEqual([decide(olds, { ...olds }).start, decide(olds, { ...olds }).changes], [false, false]);
        const allowed = decide({ ...olds, allowHeldDeletes: true }, { ...olds, allowHeldDeletes: true });
        assert.deepStrictEqual([allowed.start, allowed.changed], [true, ["status"]]);
        assert.strictEqual(decide({ ...olds, quarantineReason: "EncounteredQuarantineException" }, { ...olds }).start, true);
    });
});

describe("fields: what of a job answer reaches state", () => {
    const job = (status: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
        id: "scim.1",
        templateId: "scim",
        schedule: { state: "Active", interval: "PT40M" },
        status: { code: "Active", ...status },
        ...extra,
    });

    it("sentinels are absent: no-date times, an empty-string quarantine, a never-run lastExecution", () => {
        const { fields, refused } = readJobFields(
            job(
                {
                    code: "NotConfigured",
                    quarantine: { reason: "", currentBegan: "0001-01-01T00:00:00Z", error: { code: "", message: "" } },
                    lastExecution: { timeBegan: "0001-01-01T00:00:00Z", timeEnded: "0001-01-01T00:00:00Z", state: "" },
                    troubleshootingUrl: "",
                },
                { schedule: { state: "Disabled", interval: "P10675199DT2H48M5.4775807S" } },
            ),
        );
        assert.deepStrictEqual(fields, { status: "NotConfigured", scheduleState: "Disabled", templateId: "scim" });
        assert.deepStrictEqual(refused, []);
        const ended = readJobFields(
            job({ lastExecution: { timeBegan: "2026-01-02T03:04:05Z", timeEnded: "0001-01-01T00:00:00Z", state: null } }),
        );
        assert.deepStrictEqual(ended.fields.lastRun, { timeBegan: "2026-01-02T03:04:05Z" });
    });

    it("troubleshootingUrl only as https:, times only ISO, enums only from their sets; the rest left out and named", () => {
        const { fields, refused } = readJobFields(
            job(
                {
                    code: "Exploded",
                    quarantine: { reason: "TooManyDeletes" },
                    troubleshootingUrl: "javascript:alert(1)",
                    lastExecution: { timeBegan: "yesterday", state: "Succeeded" },
                },
                { synchronizationJobSettings: [{ name: "QuarantineTooManyDeletesThreshold", value: "1000" }] },
            ),
        );
        assert.deepStrictEqual(fields, {
            scheduleState: "Active",
            quarantineReason: "TooManyDeletes",
            templateId: "scim",
            deleteThreshold: "1000",
        });
        assert.deepStrictEqual(refused, [
            { field: "status.code", why: "not one of NotConfigured, NotRun, Active, Paused, Quarantine" },
            { field: "status.lastExecution.timeBegan", why: "not an ISO 8601 time" },
            { field: "status.troubleshootingUrl", why: "not an https: URL" },
        ]);
        const lines: string[] = [];
        reportRefused(refused, (text) => lines.push(text));
        reportRefused(refused, (text) => lines.push(text));
        assert.deepStrictEqual(lines, [
            "pulumi-entra-sync: status.code from Graph left out of the outputs: not one of NotConfigured, NotRun, Active, Paused, Quarantine.\n",
            "pulumi-entra-sync: status.lastExecution.timeBegan from Graph left out of the outputs: not an ISO 8601 time.\n",
            "pulumi-entra-sync: status.troubleshootingUrl from Graph left out of the outputs: not an https: URL.\n",
        ]);
    });

    it("property: whatever JSON arrives, what is kept is of its kind", () => {
        fc.assert(
            fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (code, url, began, reason) => {
                const { fields } = readJobFields(
                    job({ code, troubleshootingUrl: url, quarantine: { reason }, lastExecution: { timeBegan: began, countExported: url } }),
                );
                if (fields.troubleshootingUrl !== undefined) assert.strictEqual(new URL(fields.troubleshootingUrl).protocol, "https:");
                if (fields.status !== undefined)
                    assert.ok(["NotConfigured", "NotRun", "Active", "Paused", "Quarantine"].includes(fields.status));
                if (fields.lastRun)
                    assert.ok(!Number.isNaN(Date.parse(fields.lastRun.timeBegan!)) && !fields.lastRun.timeBegan!.startsWith("0001"));
                if (fields.quarantineReason !== undefined) assert.notStrictEqual(fields.quarantineReason, "");
            }),
        );
    });
});
