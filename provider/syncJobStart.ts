import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "./clouds";
import { InvalidInputError } from "./errors";
import { checkTriggers } from "./inputs";
import type { ApiVersion, OnDelete, ProviderInputs, ProviderOutputs, StartPolicy, WaitFor } from "./inputs";
import * as provider from "./provider";
import type { JsonValue } from "./triggers";

export interface SyncJobStartArgs {
    /** Object id (GUID) of the service principal that owns the job; not the application (client) id. Changing it replaces the resource. */
    servicePrincipalId: pulumi.Input<string>;
    /**
     * Synchronization job id (e.g. scim.0123…cdef.guid), or azuread.SynchronizationJob's id as is
     * (/servicePrincipals/{id}/synchronization/jobs/{jobId}). Changing it replaces the resource.
     */
    jobId: pulumi.Input<string>;
    /**
     * Any JSON value; when it changes (compared canonically: key order never matters), the job is
     * started again, as an in-place update. A secret value stays secret in the outputs.
     */
    triggers?: pulumi.Input<any>;
    /**
     * `ifNotActive`: read the job and start it only if it is not running (status and schedule both
     * Active), as the Graph docs ask. `always`: start it every time.
     * @default "ifNotActive"
     */
    startPolicy?: pulumi.Input<StartPolicy>;
    /**
     * `active`: after starting, poll until the job is Active; fail with the quarantine reason if it
     * is quarantined again, or at waitTimeoutSeconds.
     * @default "none"
     */
    waitFor?: pulumi.Input<WaitFor>;
    /** Bound for waitFor (Pulumi's customTimeouts do not reach dynamic providers). @default 300 */
    waitTimeoutSeconds?: pulumi.Input<number>;
    /**
     * The most one create, update, refresh or delete may spend on Entra and Graph: the token, the
     * wait for a request slot, every attempt (headers and body), retries and their Retry-After
     * waits. `waitFor: "active"` polling gets waitTimeoutSeconds on top. Changing it makes no Graph call.
     * @default ENTRA_SYNC_TIMEOUT_SECONDS, else 120
     */
    timeoutSeconds?: pulumi.Input<number>;
    /** When a refresh finds the job Paused or in Quarantine, the next up starts it. @default false */
    ensureActive?: pulumi.Input<boolean>;
    /** What deleting the resource does to the job: nothing, or pause it. @default "none" */
    onDelete?: pulumi.Input<OnDelete>;
    /** National cloud. @default azuread:environment, else ARM_ENVIRONMENT, else "global" */
    environment?: pulumi.Input<Environment>;
    /** Graph version segment. @default "v1.0" */
    apiVersion?: pulumi.Input<ApiVersion>;
    /** Graph origin override (https). @default ENTRA_SYNC_GRAPH_ENDPOINT, else the environment's Graph host */
    graphEndpoint?: pulumi.Input<string>;
    /** Entra authority override (https). @default ENTRA_SYNC_AUTHORITY_HOST, else the environment's login host */
    authorityHost?: pulumi.Input<string>;
}

/** Whether a value holds an Output or a Promise anywhere (cycle-safe). */
function holdsPending(value: unknown, seen = new Set<object>()): boolean {
    if (value === null || typeof value !== "object") return false;
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
    if (seen.has(value)) return false;
    seen.add(value);
    return Object.values(value).some((member) => holdsPending(member, seen));
}

/** The triggers check's own rule (see inputs.ts), applied in the program, where the value is still whole. */
function canonicalTriggers(value: unknown): JsonValue {
    const triggers = checkTriggers(value);
    if (triggers.problem !== undefined) throw new InvalidInputError("triggers", triggers.problem);
    return triggers.canonical;
}

/**
 * Ensures a Microsoft Entra provisioning (synchronization) job is running: starts it on create and
 * whenever `triggers` change, reports its status, and optionally waits for it or corrects drift.
 */
export class SyncJobStart extends pulumi.dynamic.Resource {
    declare readonly servicePrincipalId: pulumi.Output<string>;
    declare readonly jobId: pulumi.Output<string>;
    declare readonly triggers: pulumi.Output<any | undefined>;
    declare readonly startPolicy: pulumi.Output<StartPolicy>;
    declare readonly waitFor: pulumi.Output<WaitFor>;
    declare readonly waitTimeoutSeconds: pulumi.Output<number>;
    declare readonly timeoutSeconds: pulumi.Output<number>;
    declare readonly ensureActive: pulumi.Output<boolean>;
    declare readonly onDelete: pulumi.Output<OnDelete>;
    declare readonly environment: pulumi.Output<string | undefined>;
    declare readonly apiVersion: pulumi.Output<ApiVersion>;
    declare readonly graphEndpoint: pulumi.Output<string | undefined>;
    declare readonly authorityHost: pulumi.Output<string | undefined>;
    /** The job's status.code as last read: NotConfigured, NotRun, Active, Paused or Quarantine. */
    declare readonly status: pulumi.Output<string>;
    /** The job's schedule.state as last read: Active, Disabled or Paused. */
    declare readonly scheduleState: pulumi.Output<string>;
    /** status.quarantine.reason; absent when not quarantined. */
    declare readonly quarantineReason: pulumi.Output<string | undefined>;
    /** "started" or "skipped" (already running under ifNotActive), for the last start decision. */
    declare readonly lastAction: pulumi.Output<"started" | "skipped">;
    /** ISO time of the last start POST this resource made; absent if none. */
    declare readonly startedAt: pulumi.Output<string | undefined>;
    /** How many start POSTs this resource has made. */
    declare readonly startCount: pulumi.Output<number>;

    constructor(name: string, args: SyncJobStartArgs, opts?: pulumi.CustomResourceOptions) {
        if (!args || typeof args !== "object") throw new InvalidInputError("args", "give at least { servicePrincipalId, jobId }");
        // Non-JSON triggers (functions, bigint, cycles) cannot cross to the provider, so they are
        // refused here, by name; plain values at once, Outputs when they resolve.
        const triggers =
            args.triggers === undefined
                ? undefined
                : holdsPending(args.triggers)
                  ? pulumi.output(args.triggers).apply(canonicalTriggers)
                  : canonicalTriggers(args.triggers);
        // The module itself is the provider (see provider.ts), checked here against the generic form.
        super(
            provider satisfies pulumi.dynamic.ResourceProvider<ProviderInputs, ProviderOutputs>,
            name,
            {
                ...args,
                triggers,
                status: undefined,
                scheduleState: undefined,
                quarantineReason: undefined,
                lastAction: undefined,
                startedAt: undefined,
                startCount: undefined,
            },
            opts,
            "entra-sync",
            "SyncJobStart",
        );
    }
}
