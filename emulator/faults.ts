import type { Http2Reset, Reply } from "./reply";
import type { RouteKind } from "./routes";

/**
 * What a fault rule does to a request instead of (or after) answering it. Each models a failure
 * seen between a client and Entra/Graph in the real world; docs/emulator.md has the table.
 */
export type Fault =
    | { kind: "status"; status: number; retryAfterSeconds?: number; retryAfterAsDate?: boolean; code?: string }
    | { kind: "latency"; ms: number }
    /** The request is read and never answered: no header is ever sent. */
    | { kind: "hang" }
    /**
     * A TCP RST (the client sees ECONNRESET), no answer. Over HTTP/2, `http2` chooses the reset:
     * the connection's TCP RST (the default), the stream's RST_STREAM, or a GOAWAY (reply.ts).
     */
    | { kind: "reset"; http2?: Http2Reset }
    /**
     * A clean close (TLS close_notify and FIN) without an answer. Over HTTP/2 the connection is
     * closed, and with it every request it carries (cutBody likewise).
     */
    | { kind: "close" }
    /** The real answer's headers (Content-Length of the full body), half the body, then FIN. */
    | { kind: "cutBody" }
    /** The real answer's headers and half the body, then silence with the connection kept open. */
    | { kind: "stallBody" }
    /** The real answer's headers, no body byte, then silence. */
    | { kind: "headersThenSilence" }
    /** The request is handled for real (a start does start the job), then RST instead of the answer (`http2` as for reset). */
    | { kind: "processThenReset"; http2?: Http2Reset }
    /** The request is handled for real, then no answer ever. */
    | { kind: "processThenHang" }
    /** A proxy's HTML page; the request is not handled. */
    | { kind: "html"; status: 200 | 502 }
    /** A success with no body (Content-Length: 0); the request is not handled. */
    | { kind: "empty"; status: 200 | 204 }
    /**
     * A redirect; the request is not handled. Location "otherOrigin" is `${emu.otherOrigin.url}${path}`,
     * "malformedSlash" `https:/127.0.0.1:${otherPort}${path}`, "malformedBackslash"
     * `https:\\127.0.0.1:${otherPort}${path}`; any other string is sent as is.
     */
    | {
          kind: "redirect";
          status?: 301 | 302 | 307 | 308;
          location: "otherOrigin" | "malformedSlash" | "malformedBackslash" | (string & {});
      }
    /** Graph's 401 InvalidAuthenticationToken; with claims, a CAE claims challenge in WWW-Authenticate. */
    | { kind: "unauthorized"; claims?: boolean }
    /**
     * The request is handled for real and its answer carries `x-ms-throttle-limit-percentage` (what
     * Graph sends once a caller passes 80% of its budget; 0.8 to 1.8). @default percentage 0.9
     */
    | { kind: "throttleWarning"; percentage?: number }
    /** 200 with another job's JSON (an active job whose id is not the one asked for); the request is not handled. */
    | { kind: "otherJob" }
    /**
     * 200 with a JSON job padded to `bytes` bytes (a job is a few KB), streamed; the request is not
     * handled. chunked: without Content-Length (the size shows only while reading).
     */
    | { kind: "oversized"; bytes: number; chunked?: boolean };

export type FaultKind = Fault["kind"];

/** Every fault kind, for the CLI's check. */
export const FAULT_KINDS: readonly FaultKind[] = [
    "status",
    "latency",
    "hang",
    "reset",
    "close",
    "cutBody",
    "stallBody",
    "headersThenSilence",
    "processThenReset",
    "processThenHang",
    "html",
    "empty",
    "redirect",
    "unauthorized",
    "throttleWarning",
    "otherJob",
    "oversized",
];

export interface FaultRule {
    fault: Fault;
    /** Routes it applies to; all routes when absent. */
    routes?: RouteKind[];
    /** How many requests it hits; every request when absent. */
    times?: number;
}

/** What one request draws from the rules: every matching latency adds up, one other fault wins. */
export interface DrawnFaults {
    latencyMs: number[];
    fault?: Exclude<Fault, { kind: "latency" }>;
}

/** A fault rule declared and not used up: `times` uses left, or (without `times`) never used. */
export interface PendingFault {
    rule: FaultRule;
    /** Requests it hit so far. */
    used: number;
    /** Uses left (undefined: a rule without `times`, never used). */
    remaining?: number;
}

/** A rule as the emulator keeps it: its `times` counts down, `used` counts up. */
type OwnRule = FaultRule & { used: number };

export class FaultRules {
    private readonly rules: OwnRule[] = [];

    /** Returns a function that removes the rule. */
    add(rule: FaultRule): () => void {
        // A copy, so that counting `times` down does not change the caller's object.
        const own: OwnRule = { ...rule, used: 0 };
        this.rules.push(own);
        return () => {
            const index = this.rules.indexOf(own);
            if (index >= 0) this.rules.splice(index, 1);
        };
    }

    clear(): void {
        this.rules.length = 0;
    }

    /**
     * Rules that still wait for a request (as undici MockAgent's pendingInterceptors()): with `times`,
     * uses left; without, never used. A test that declares a fault its code never meets proves nothing.
     */
    pending(): PendingFault[] {
        return this.rules
            .filter((rule) => (rule.times !== undefined ? rule.times > 0 : rule.used === 0))
            .map(({ used, ...rule }) => ({ rule, used, remaining: rule.times }));
    }

    /** Takes one use from each rule that applies; the first non-latency rule wins, later ones keep their uses. */
    take(kind: RouteKind): DrawnFaults {
        const drawn: DrawnFaults = { latencyMs: [] };
        for (const rule of [...this.rules]) {
            if (rule.routes && !rule.routes.includes(kind)) continue;
            if (rule.fault.kind !== "latency" && drawn.fault) continue;
            if (rule.times !== undefined) {
                if (rule.times <= 0) continue;
                rule.times--;
            }
            rule.used++;
            if (rule.fault.kind === "latency") drawn.latencyMs.push(rule.fault.ms);
            else drawn.fault = rule.fault;
        }
        return drawn;
    }
}

export interface FaultContext {
    /** The other origin's URL (https://127.0.0.1:port), for redirects. */
    otherOrigin: string;
    /** Another job's JSON, for "otherJob" (one on the same service principal when there is one). */
    otherJob(): Record<string, unknown>;
    /** Runs the route's real handler against the given reply (the state change happens). */
    handle(reply: Reply): void;
}

/**
 * The one place a fault takes over a request, after the body was read and before any handler
 * runs; it has the raw socket (Reply.socket) as well as the response.
 */
export function answerWithFault(fault: Exclude<Fault, { kind: "latency" }>, reply: Reply, context: FaultContext): void {
    reply.entry.fault = fault.kind;
    switch (fault.kind) {
        case "reset":
            return reply.reset({ http2: fault.http2 });
        case "close":
            return reply.close();
        case "hang":
            return reply.hang();
        case "status": {
            const headers: Record<string, string> = {};
            if (fault.retryAfterSeconds !== undefined) {
                headers["Retry-After"] = fault.retryAfterAsDate
                    ? new Date(Date.now() + fault.retryAfterSeconds * 1000).toUTCString()
                    : String(fault.retryAfterSeconds);
            }
            const code = fault.code ?? defaultCode(fault.status);
            return reply.graphError(fault.status, code, `Injected fault: ${code}.`, headers);
        }
        case "cutBody":
        case "stallBody":
        case "headersThenSilence": {
            const answer = reply.capture(context.handle);
            const sent = fault.kind === "headersThenSilence" ? 0 : Math.floor(answer.body.length / 2);
            return reply.partial(answer, sent, fault.kind === "cutBody" ? "close" : "silence");
        }
        case "processThenReset":
            reply.capture(context.handle);
            return reply.reset({ keepStatus: true, http2: fault.http2 });
        case "processThenHang":
            reply.capture(context.handle);
            return reply.hang({ keepStatus: true });
        case "html":
            return reply.html(fault.status, fault.status === 200 ? CAPTIVE_PORTAL_PAGE : BAD_GATEWAY_PAGE);
        case "empty":
            return reply.blank(fault.status);
        case "redirect":
            return reply.redirect(fault.status ?? 302, redirectLocation(fault.location, context.otherOrigin, reply.req.url ?? "/"));
        case "unauthorized":
            return reply.graphError(
                401,
                "InvalidAuthenticationToken",
                fault.claims
                    ? "Continuous access evaluation resulted in challenge with result: InteractionRequired and code: TokenIssuedBeforeRevocationTimestamp"
                    : "Access token has expired or is not yet valid.",
                fault.claims ? { "WWW-Authenticate": claimsChallenge() } : {},
            );
        case "throttleWarning":
            reply.extraHeaders["x-ms-throttle-limit-percentage"] = String(fault.percentage ?? 0.9);
            return context.handle(reply);
        case "otherJob":
            return reply.json(200, context.otherJob());
        case "oversized":
            return reply.padded(200, fault.bytes, fault.chunked);
    }
}

function redirectLocation(location: string, otherOrigin: string, path: string): string {
    const port = new URL(otherOrigin).port;
    if (location === "otherOrigin") return `${otherOrigin}${path}`;
    if (location === "malformedSlash") return `https:/127.0.0.1:${port}${path}`;
    if (location === "malformedBackslash") return `https:\\\\127.0.0.1:${port}${path}`;
    return location;
}

/** What Graph sends with a CAE claims challenge (the claims ask for a token issued after now). */
function claimsChallenge(): string {
    const claims = { access_token: { nbf: { essential: true, value: String(Math.floor(Date.now() / 1000)) } } };
    const encoded = Buffer.from(JSON.stringify(claims)).toString("base64");
    return `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="${encoded}"`;
}

/** A corporate proxy's or captive portal's sign-in page, served with 200 in place of the API. */
const CAPTIVE_PORTAL_PAGE =
    '<!DOCTYPE html>\n<html><head><title>Network sign-in required</title></head>\n<body><h1>Sign in to continue</h1><form method="post" action="/login"><input name="user"><input type="password" name="password"><button>Sign in</button></form></body></html>\n';

/** What nginx and most load balancers answer when their upstream is unreachable. */
const BAD_GATEWAY_PAGE =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

function defaultCode(status: number): string {
    if (status === 429) return "TooManyRequests";
    if (status === 503) return "ServiceUnavailable";
    return "UnknownError";
}

/** The syntax of `entra-sync-emulator --fault`, for its messages. */
export const FAULT_SPEC_SYNTAX = "ROUTE:KIND[=ARG][:TIMES], e.g. start:processThenReset:1, token:status=503, getJob:latency=2000";

/**
 * Reads one `--fault` value. ROUTE is a route kind (routes.ts) or `*` for every route; ARG is the
 * status of `status`, `html` and `empty`, the milliseconds of `latency`, the Location of `redirect`
 * (otherOrigin when absent), `claims` for `unauthorized`, the fraction of `throttleWarning`, the
 * size of `oversized`, and for `reset` and `processThenReset` what an HTTP/2 request's reset is
 * (`connection`, `stream` or `goaway`); TIMES limits it to that many requests.
 */
export function parseFaultSpec(spec: string, routes: readonly string[]): FaultRule {
    const bad = (why: string) => new Error(`--fault ${spec}: ${why}; write ${FAULT_SPEC_SYNTAX}`);
    const match = /^([^:]+):([^=:]+)(?:=(.*?))?(?::(\d+))?$/.exec(spec);
    if (!match) throw bad("not in the form ROUTE:KIND");
    const [, route, kind, arg, times] = match;
    if (route !== "*" && !routes.includes(route)) throw bad(`unknown route ${route} (one of *, ${routes.join(", ")})`);
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw bad(`unknown fault ${kind} (one of ${FAULT_KINDS.join(", ")})`);
    const number = (what: string, ok: (n: number) => boolean): number => {
        const n = Number(arg);
        if (arg === undefined || arg === "" || !Number.isInteger(n) || !ok(n)) throw bad(`${kind} takes =${what}`);
        return n;
    };
    const noArg = () => {
        if (arg !== undefined) throw bad(`${kind} takes no =ARG`);
    };
    let fault: Fault;
    switch (kind as FaultKind) {
        case "status":
            fault = { kind: "status", status: number("STATUS (400-599)", (n) => n >= 400 && n <= 599) };
            break;
        case "latency":
            fault = { kind: "latency", ms: number("MILLISECONDS", (n) => n >= 0) };
            break;
        case "html":
            fault = { kind: "html", status: arg === undefined ? 502 : (number("200 or 502", (n) => n === 200 || n === 502) as 200 | 502) };
            break;
        case "empty":
            fault = { kind: "empty", status: arg === undefined ? 200 : (number("200 or 204", (n) => n === 200 || n === 204) as 200 | 204) };
            break;
        case "redirect":
            fault = { kind: "redirect", location: arg || "otherOrigin" };
            break;
        case "reset":
        case "processThenReset": {
            if (arg !== undefined && !["connection", "stream", "goaway"].includes(arg))
                throw bad(`${kind} takes no =ARG, or =connection, =stream or =goaway (what an HTTP/2 reset is)`);
            const resetKind = kind as "reset" | "processThenReset";
            fault = arg === undefined ? { kind: resetKind } : { kind: resetKind, http2: arg as Http2Reset };
            break;
        }
        case "unauthorized":
            if (arg !== undefined && arg !== "claims") throw bad("unauthorized takes no =ARG or =claims");
            fault = { kind: "unauthorized", claims: arg === "claims" };
            break;
        case "throttleWarning": {
            const percentage = arg === undefined ? 0.9 : Number(arg);
            if (arg === "" || !Number.isFinite(percentage) || percentage < 0) throw bad("throttleWarning takes =FRACTION (e.g. 0.9)");
            fault = { kind: "throttleWarning", percentage };
            break;
        }
        case "oversized":
            fault = { kind: "oversized", bytes: number("BYTES", (n) => n >= 2) };
            break;
        default:
            noArg();
            fault = { kind } as Fault;
    }
    const rule: FaultRule = { fault };
    if (route !== "*") rule.routes = [route as RouteKind];
    if (times !== undefined) {
        if (Number(times) < 1) throw bad("TIMES must be 1 or more");
        rule.times = Number(times);
    }
    return rule;
}
