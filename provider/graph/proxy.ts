import type { Dispatcher } from "undici";

/** Upper case first, then lower case; an empty value counts as unset (core-rest-pipeline's rule). */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
    return env[name] || env[name.toLowerCase()] || undefined;
}

/**
 * What the Graph client's fetch is given: an undici dispatcher that speaks HTTP/2 where the server
 * offers it (ALPN), directly or through the proxy the environment names.
 *
 * HTTP/2: Graph speaks it, and one connection then carries every request in flight as a stream,
 * where HTTP/1.1 needs a connection (a TLS socket, ~0.3 MB of host memory) per request in flight.
 * Node 22's global fetch cannot be told to offer h2, so the npm `undici` is given as fetch's
 * `dispatcher` with `allowH2`: its 7th major, since undici 6 (the line Node 22 bundles) retires h2
 * streams in the order they were sent, so with more than one in flight it lost track of them and
 * sent requests again (seen: 1,871 requests on the wire for 100 fetches). undici 7 takes the
 * callback interface Node 22's fetch drives a dispatcher with. A server that does not offer h2 gets
 * HTTP/1.1 from the same dispatcher. undici's h2 client puts every request on the one connection
 * (its `busy()` is always false) and Node's http2 queues streams past the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS, so the requests in flight are bounded by limiter.ts, not here.
 * (Loading undici costs ~40 ms in the provider host, once; its module installs its own Agent as
 * fetch's global dispatcher, which this process's Graph calls do not use.)
 *
 * Proxies: @azure/identity's token requests honour HTTPS_PROXY/ALL_PROXY/HTTP_PROXY and NO_PROXY
 * (core-rest-pipeline's proxy policy, with its own Node https stack; they stay HTTP/1.1); Node's
 * global fetch honours none of them (Node 24's NODE_USE_ENV_PROXY does not exist on 22). undici's
 * EnvHttpProxyAgent does the CONNECT tunnelling and the NO_PROXY matching; the values are picked
 * here by core-rest-pipeline's rule (its own reading prefers an empty lower-case variable), so tokens
 * and Graph calls take the same path. Inside a tunnel undici's ProxyAgent offers h2 only when its
 * `requestTls` says `allowH2` (its tunnel connector is built from requestTls alone, not from the
 * agent's options), so both are set.
 */
// Typed loosely: fetch's RequestInit names the undici-types Dispatcher that @types/node bundles,
// which TypeScript does not equate with undici 7's own.
export function graphFetchOptions(env: NodeJS.ProcessEnv = process.env): { dispatcher?: object } {
    const proxy = envValue(env, "HTTPS_PROXY") ?? envValue(env, "ALL_PROXY") ?? envValue(env, "HTTP_PROXY");
    const undici = loadUndici(proxy !== undefined);
    return { dispatcher: connectFirst(undici, agentFor(undici, env, proxy)) };
}

/** What this module uses of undici. */
type Undici = Pick<typeof import("undici"), "Agent" | "EnvHttpProxyAgent" | "Pool" | "Client" | "Dispatcher">;

/**
 * undici's dispatcher classes. Without a proxy they are loaded one by one: undici's index also loads
 * fetch, WebSocket, the mock agents and the cache, ~80 ms of CPU where these take ~30 (once per
 * provider host, on the path of its first Graph call). A proxy needs the index: ProxyAgent opens its
 * tunnel with Dispatcher#connect, which the index mixes into every dispatcher. The http2 tests fail
 * if a new undici moves these files.
 */
function loadUndici(proxy: boolean): Undici {
    if (proxy) return require("undici") as Undici;
    const at = (file: string) => require(`undici/lib/dispatcher/${file}`);
    return {
        Agent: at("agent"),
        EnvHttpProxyAgent: at("env-http-proxy-agent"),
        Pool: at("pool"),
        Client: at("client"),
        Dispatcher: at("dispatcher"),
    };
}

/**
 * undici's clients take `pipelining` (requests in flight per connection, 1 by default) as is, on
 * HTTP/2 as well: with allowH2 alone each connection carried one stream, and the pool opened one
 * connection per request in flight, as over HTTP/1.1. This pool sets each client's pipelining when
 * its connection is up: unbounded over h2 (one connection carries every request in flight; Node's
 * http2 queues streams past the server's SETTINGS_MAX_CONCURRENT_STREAMS, and limiter.ts bounds
 * how many there are), 1 (no HTTP/1.1 pipelining) otherwise. A cap per connection (e.g. 100)
 * would not give a second connection its share: undici's pool counts a client as busy while it
 * connects, so it opened one connection per request past the cap.
 */
function poolFactory(undici: Undici) {
    return (origin: string | URL, options: object): Dispatcher =>
        new undici.Pool(origin, {
            ...options,
            factory: (clientOrigin: string | URL, clientOptions: object) => {
                const connect = (clientOptions as { connect: import("undici").buildConnector.connector }).connect;
                const client: import("undici").Client = new undici.Client(clientOrigin, {
                    ...clientOptions,
                    connect: (opts, callback) =>
                        connect(opts, (err, socket) => {
                            if (!err)
                                client.pipelining = (socket as { alpnProtocol?: string | false }).alpnProtocol === "h2" ? Infinity : 1;
                            callback(err, socket as never);
                        }),
                });
                return client;
            },
        });
}

function agentFor(undici: Undici, env: NodeJS.ProcessEnv, proxy: string | undefined): Dispatcher {
    const h2 = { allowH2: true, factory: poolFactory(undici) };
    if (!proxy) return new undici.Agent(h2);
    // EnvHttpProxyAgent hands every option but the proxy ones to its ProxyAgents (`...agentOpts`);
    // its types leave out ProxyAgent's requestTls.
    const options = {
        ...h2,
        requestTls: { allowH2: true },
        httpsProxy: proxy,
        httpProxy: proxy,
        noProxy: envValue(env, "NO_PROXY") ?? "",
    };
    return new undici.EnvHttpProxyAgent(options as import("undici").EnvHttpProxyAgent.Options);
}

/** The callback interface Node 22's fetch hands a dispatcher (undici 6's; undici 7 still takes it). */
interface LegacyHandler {
    onConnect?(abort: (err?: Error) => void, context?: object): void;
    onError?(err: Error): void;
    onUpgrade?(statusCode: number, headers: Buffer[] | string[] | null, socket: unknown): void;
    onResponseStarted?(): void;
    onHeaders?(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
    onData?(chunk: Buffer): boolean;
    onComplete?(trailers: string[] | null): void;
    onBodySent?(chunk: unknown): void;
}

/**
 * Sends one request per origin ahead until a connection is up, then the others. undici's pool
 * learns that a connection speaks h2 only once it is connected: until then each client counts as
 * busy with one request, so a burst (the first round of 64) opened 64 connections and negotiated
 * h2 on each. Held back behind the first, the burst shares its connection (over HTTP/1.1 the pool
 * then opens one per request, as before, one handshake later). The first request's connect
 * (onConnect: it is on a connected socket) or failure opens the gate; any failed request closes it
 * again, since the connection may be gone (a reset, a GOAWAY) and the next burst would otherwise
 * open one connection per retry. Written here: undici has no option for it.
 *
 * Every request is also marked idempotent for undici: its h2 client holds a non-idempotent request
 * (a POST) until no other request is in flight on the connection, so that one failing cannot take
 * down a request undici could not retry. undici retries nothing here; session.ts decides what is
 * sent again, and a POST whose outcome is unknown is read before it is sent again.
 */
function connectFirst(undici: Undici, agent: Dispatcher): Dispatcher {
    /** Per origin: whether a request reached a connected socket since the last failure, and who waits. */
    const origins = new Map<string, { connected: boolean; opening: boolean; waiting: (() => void)[] }>();
    const stateOf = (origin: string) => {
        let state = origins.get(origin);
        if (!state) origins.set(origin, (state = { connected: false, opening: false, waiting: [] }));
        return state;
    };
    type State = ReturnType<typeof stateOf>;
    const open = (state: State, connected: boolean) => {
        state.connected = connected;
        state.opening = false;
        // After the current call: onConnect runs while undici still counts the first request as
        // pending on its client, which makes the client look busy (and the pool open another).
        queueMicrotask(() => {
            for (const go of state.waiting.splice(0)) go();
        });
    };
    /** fetch's handler (undici's callback interface), told of the connect and of a failure first. */
    const gated = (handler: LegacyHandler, state: State, pioneer: boolean): LegacyHandler => ({
        onConnect: (abort, context) => {
            if (pioneer) open(state, true);
            return handler.onConnect?.(abort, context);
        },
        onError: (err) => {
            if (pioneer && state.opening) open(state, false);
            else state.connected = false;
            return handler.onError?.(err);
        },
        onUpgrade: (...args) => handler.onUpgrade?.(...args),
        onResponseStarted: () => handler.onResponseStarted?.(),
        onHeaders: (...args) => handler.onHeaders?.(...args) ?? true,
        onData: (chunk) => handler.onData?.(chunk) ?? true,
        onComplete: (trailers) => handler.onComplete?.(trailers),
        onBodySent: (chunk) => handler.onBodySent?.(chunk),
    });
    const dispatch = (options: Dispatcher.DispatchOptions, handler: LegacyHandler): boolean => {
        const state = stateOf(String(options.origin));
        if (state.opening) {
            state.waiting.push(() => dispatch(options, handler));
            return true;
        }
        const pioneer = !state.connected;
        if (pioneer) state.opening = true;
        return agent.dispatch({ ...options, idempotent: true }, gated(handler, state, pioneer) as Dispatcher.DispatchHandler);
    };
    // fetch calls dispatch only; close and destroy reach the agent.
    class ConnectFirst extends undici.Dispatcher {
        override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
            return dispatch(options, handler as LegacyHandler);
        }
        override close(): Promise<void> {
            return agent.close();
        }
        override destroy(): Promise<void> {
            return agent.destroy();
        }
    }
    return new ConnectFirst();
}

/** session.ts's name for graphFetchOptions (it predates HTTP/2, when only a proxy needed a dispatcher). */
export const proxyFetchOptions = graphFetchOptions;
