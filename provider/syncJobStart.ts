import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "./clouds";
import { InvalidInputError } from "./errors";
import { checkTriggers } from "./inputs";
import type { ApiVersion, LastRun, OnDelete, ProviderInputs, ProviderOutputs, StartPolicy, WaitFor } from "./inputs";
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
     * Any JSON value; when a value already in state changes, the job is restarted (POST restart
     * with `criteria.resetScope` = restartScope), as an in-place update: every object is evaluated
     * again, not only changes. Wire it to a digest of the attribute mappings and scoping filters
     * the stack deploys. Creating the resource, or setting it where it was absent, only records it.
     * When triggers change too, the one restart also resumes the job (no separate start).
     */
    restartTriggers?: pulumi.Input<any>;
    /**
     * What the restart resets: a comma-separated set of Watermark, Escrows, QuarantineState,
     * ForceDeletes, Full ("None" and "ConnectorDataStore" are refused: Microsoft marks them DO NOT USE).
     * `Full` needs allowFullResync and `ForceDeletes` allowHeldDeletes (check refuses them otherwise).
     * Changing it alone makes no Graph call.
     * @default "Watermark, Escrows, QuarantineState" (the admin center's "Restart provisioning")
     */
    restartScope?: pulumi.Input<string>;
    /**
     * `ifNotActive`: read the job and start it only if it is not running (status and schedule both
     * Active), as the Graph docs ask. `always`: start it every time.
     * @default "ifNotActive"
     */
    startPolicy?: pulumi.Input<StartPolicy>;
    /**
     * `active`: after starting, poll until the job is Active. `cycle`: after the start, restart or
     * skip, poll until a provisioning run that began after it has ended, and report it in lastRun
     * (Succeeded and EntryLevelErrors succeed; Failed fails the update, the start still recorded).
     * Both fail with the quarantine reason if the job is quarantined again, or at waitTimeoutSeconds.
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
    /**
     * When a refresh finds the job Paused or in Quarantine, the next up starts it (not a job
     * quarantined with TooManyDeletes, unless allowHeldDeletes). @default false
     */
    ensureActive?: pulumi.Input<boolean>;
    /** What deleting the resource does to the job: nothing, or pause it. @default "none" */
    onDelete?: pulumi.Input<OnDelete>;
    /**
     * Allows starting or restarting a job quarantined with TooManyDeletes (which performs the
     * deletions Entra is holding) and a restartScope with ForceDeletes. Without it such a start is
     * refused with what is held and where to review it. @default false
     */
    allowHeldDeletes?: pulumi.Input<boolean>;
    /** Allows a restartScope with Full (breaks the links between source and target objects). @default false */
    allowFullResync?: pulumi.Input<boolean>;
    /** Allows restarting an API-driven inbound job that is not running (purges the data uploaded before it). @default false */
    allowInboundPurge?: pulumi.Input<boolean>;
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
function canonicalTriggers(value: unknown, property: "triggers" | "restartTriggers" = "triggers"): JsonValue {
    const triggers = checkTriggers(value);
    if (triggers.problem !== undefined) throw new InvalidInputError(property, triggers.problem);
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
    declare readonly restartTriggers: pulumi.Output<any | undefined>;
    declare readonly restartScope: pulumi.Output<string>;
    declare readonly startPolicy: pulumi.Output<StartPolicy>;
    declare readonly waitFor: pulumi.Output<WaitFor>;
    declare readonly waitTimeoutSeconds: pulumi.Output<number>;
    declare readonly timeoutSeconds: pulumi.Output<number>;
    declare readonly ensureActive: pulumi.Output<boolean>;
    declare readonly onDelete: pulumi.Output<OnDelete>;
    declare readonly allowHeldDeletes: pulumi.Output<boolean>;
    declare readonly allowFullResync: pulumi.Output<boolean>;
    declare readonly allowInboundPurge: pulumi.Output<boolean>;
    declare readonly environment: pulumi.Output<string | undefined>;
    declare readonly apiVersion: pulumi.Output<ApiVersion>;
    declare readonly graphEndpoint: pulumi.Output<string | undefined>;
    declare readonly authorityHost: pulumi.Output<string | undefined>;
    /** Random, made when the resource is created: which SyncJobStart acted on the job (onDelete "pause" skips only for another). */
    declare readonly instanceId: pulumi.Output<string>;
    /** The job's status.code as last read: NotConfigured, NotRun, Active, Paused or Quarantine. */
    declare readonly status: pulumi.Output<string>;
    /** The job's schedule.state as last read: Active, Disabled or Paused. */
    declare readonly scheduleState: pulumi.Output<string>;
    /** status.quarantine.reason; absent when not quarantined. */
    declare readonly quarantineReason: pulumi.Output<string | undefined>;
    /** "started", "restarted" or "skipped" (already running under ifNotActive), for the last create/update that acted. */
    declare readonly lastAction: pulumi.Output<"started" | "restarted" | "skipped">;
    /** ISO time of the last start POST this resource made; absent if none. */
    declare readonly startedAt: pulumi.Output<string | undefined>;
    /** How many start POSTs this resource has made. */
    declare readonly startCount: pulumi.Output<number>;
    /** ISO time of the last restart POST this resource made; absent if none. */
    declare readonly restartedAt: pulumi.Output<string | undefined>;
    /** How many restart POSTs this resource has made. */
    declare readonly restartCount: pulumi.Output<number>;
    /** The job's status.lastExecution as last read: state, timeBegan, timeEnded, countExported, countEscrowed, errorCode, errorMessage. */
    declare readonly lastRun: pulumi.Output<LastRun | undefined>;
    /** status.troubleshootingUrl when Graph gives one. */
    declare readonly troubleshootingUrl: pulumi.Output<string | undefined>;

    constructor(name: string, args: SyncJobStartArgs, opts?: pulumi.CustomResourceOptions) {
        if (!args || typeof args !== "object") throw new InvalidInputError("args", "give at least { servicePrincipalId, jobId }");
        // Non-JSON triggers (functions, bigint, cycles) cannot cross to the provider, so they are
        // refused here, by name; plain values at once, Outputs when they resolve.
        const canonical = (value: unknown, property: "triggers" | "restartTriggers") =>
            value === undefined
                ? undefined
                : holdsPending(value)
                  ? pulumi.output(value).apply((resolved) => canonicalTriggers(resolved, property))
                  : canonicalTriggers(value, property);
        const triggers = canonical(args.triggers, "triggers");
        const restartTriggers = canonical(args.restartTriggers, "restartTriggers");
        // The module itself is the provider (see provider.ts), checked here against the generic form.
        super(
            provider satisfies pulumi.dynamic.ResourceProvider<ProviderInputs, ProviderOutputs>,
            name,
            {
                ...args,
                triggers,
                restartTriggers,
                instanceId: undefined,
                status: undefined,
                scheduleState: undefined,
                quarantineReason: undefined,
                lastAction: undefined,
                startedAt: undefined,
                startCount: undefined,
                restartedAt: undefined,
                restartCount: undefined,
                lastRun: undefined,
                troubleshootingUrl: undefined,
            },
            opts,
            "entra-sync",
            "SyncJobStart",
        );
    }
}
