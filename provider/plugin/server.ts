/**
 * Serves the provider plugin with `@pulumi/pulumi/provider`'s `main`, plus the three things its
 * server (3.270-3.276) drops on the floor, which this plugin needs:
 * - **Configure**: the SDK's server answers it without calling the provider, so the `entrasync:`
 *   settings would never arrive. Here they are read (operations.configurePlugin) and the answer
 *   says `acceptSecrets: false`, as the dynamic-provider host does: the engine then sends secrets
 *   as plain values and marks outputs secret where their inputs were, one secret rule for both.
 * - **Create/Update timeouts**: the request's `timeout` (the resource's customTimeouts, seconds) is
 *   not passed to `create`/`update`; it is kept here for the call (AsyncLocalStorage), so waitFor is
 *   bounded by it.
 * These are added by decorating the implementation the SDK registers with grpc-js's public
 * `Server.addService` (the one grpc-js instance @pulumi/pulumi loads), not by copying its server:
 * every other method stays the SDK's.
 */
import { AsyncLocalStorage } from "async_hooks";
import * as path from "path";
import { configurePlugin } from "../operations";

export interface RequestContext {
    /** The engine's bound for this create or update (customTimeouts), in seconds; undefined when none. */
    timeoutSeconds?: number;
}

const requests = new AsyncLocalStorage<RequestContext>();

/** The request being served (create/update), or undefined. */
export function currentRequest(): RequestContext | undefined {
    return requests.getStore();
}

type Handler = (call: { request: any }, callback: (error: unknown, value?: unknown) => void) => unknown;

/** Settings from a ConfigureRequest: `entrasync:{key}` variables (default provider) and the args struct (explicit provider). */
export function settingsOf(request: any): Record<string, string> {
    const settings: Record<string, string> = {};
    const args = request.getArgs?.()?.toJavaScript() ?? {};
    for (const [key, value] of Object.entries(args as Record<string, unknown>)) {
        if (value === undefined || value === null || typeof value === "object") continue;
        settings[key] = String(value);
    }
    for (const [key, value] of request.getVariablesMap().entries() as Iterable<[string, string]>) {
        const match = /^entrasync:(?:config:)?(.+)$/.exec(key);
        if (match) settings[match[1]] = value;
    }
    return settings;
}

/** The SDK's handlers (methods of its server class, so on the prototype), bound to it, with ours in place of three. */
function decorate(implementation: Record<string, Handler>): Record<string, Handler> {
    const provproto = require("@pulumi/pulumi/proto/provider_pb");
    const handlers: Record<string, Handler> = {};
    for (let proto = implementation; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
        for (const name of Object.getOwnPropertyNames(proto)) {
            const member = (implementation as Record<string, unknown>)[name];
            if (name !== "constructor" && !(name in handlers) && typeof member === "function")
                handlers[name] = (member as Handler).bind(implementation);
        }
    }
    const withTimeout =
        (handler: Handler): Handler =>
        (call, callback) => {
            const timeout = call.request.getTimeout?.();
            return requests.run({ timeoutSeconds: typeof timeout === "number" && timeout > 0 ? timeout : undefined }, () =>
                handler(call, callback),
            );
        };
    return {
        ...handlers,
        configure: (call, callback) => {
            try {
                configurePlugin(settingsOf(call.request));
                const response = new provproto.ConfigureResponse();
                response.setAcceptsecrets(false);
                response.setAcceptresources(false);
                response.setAcceptoutputs(false);
                response.setSupportspreview(false);
                callback(null, response);
            } catch (e) {
                callback(e);
            }
        },
        create: withTimeout(handlers.create),
        update: withTimeout(handlers.update),
    };
}

/** Starts the plugin: prints the port the engine connects to, then serves until the engine ends it. */
export async function serve(provider: import("@pulumi/pulumi/provider").Provider, args: string[]): Promise<void> {
    // The grpc-js that @pulumi/pulumi registers its service with (resolved from there, not from here).
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [pulumiDir] }));
    const { ResourceProviderService } = require("@pulumi/pulumi/proto/provider_grpc_pb");
    const addService = grpc.Server.prototype.addService;
    grpc.Server.prototype.addService = function (service: unknown, implementation: Record<string, Handler>) {
        return addService.call(this, service, service === ResourceProviderService ? decorate(implementation) : implementation);
    };
    const { main } = await import("@pulumi/pulumi/provider");
    await main(provider, args);
}
