import type { ServerResponse } from "http";
import { setTimeout as sleep } from "timers/promises";
import type { Entra } from "./entra";
import { answerWithFault, FaultRules } from "./faults";
import type { GraphApi } from "./graph";
import { RequestLog, RequestLogEntry } from "./log";
import { Reply, ServerRequest, ServerReply } from "./reply";
import { matchRoute, RouteMatch } from "./routes";
import type { ThrottledRequest, ThrottleModel } from "./throttle";

export interface PipelineOptions {
    /** Base for parsing request paths. */
    origin: string;
    /** Where redirect faults point (emu.otherOrigin.url). */
    otherOrigin: string;
    entra: Entra;
    graph: GraphApi;
    /** The app and tenant behind an Authorization header (for a throttle that counts per caller). */
    caller?: (authorization: string | undefined) => { clientId: string; tenantId: string } | undefined;
}

/**
 * Every request, in order: log it, read its body, let faults and then the throttle take it over,
 * then hand it to Entra or Graph.
 */
export class Pipeline {
    readonly log = new RequestLog();
    readonly faults = new FaultRules();
    throttle?: ThrottleModel;
    /** Graph requests being answered now, and the most at once since the last clearLog (emu.stats()). */
    inFlight = 0;
    peakInFlight = 0;

    constructor(private readonly options: PipelineOptions) {}

    /**
     * Open from arrival until the answer is handed to the socket (the "prefinish" of end()), not
     * until "finish": a client may read the answer and send its next request before "finish" runs.
     */
    private countOpen(res: ServerReply): void {
        this.peakInFlight = Math.max(this.peakInFlight, ++this.inFlight);
        let open = true;
        const done = () => open && ((open = false), this.inFlight--);
        // An HTTP/2 response emits no "prefinish": its "finish" comes when the stream's end is written.
        res.once("prefinish", done).once("finish", done).once("close", done);
    }

    async handle(req: ServerRequest, res: ServerReply): Promise<void> {
        const method = req.method ?? "GET";
        const url = new URL(req.url ?? "/", this.options.origin);
        const route = matchRoute(method, url.pathname);
        const entry: RequestLogEntry = {
            method,
            path: url.pathname,
            kind: route.kind,
            version: route.version,
            servicePrincipalId: route.spId,
            jobId: route.jobId,
            httpVersion: req.httpVersion,
            status: 0,
            at: Date.now(),
        };
        this.log.add(entry);
        if (route.area === "graph") this.countOpen(res);
        const reply = new Reply(req, res as ServerResponse, entry);
        const body = await readBody(req);

        const handle = (to: Reply) => this.dispatch(route, to, url, body);
        const drawn = this.faults.take(route.kind);
        for (const ms of drawn.latencyMs) await sleep(ms);
        if (drawn.fault) {
            return answerWithFault(drawn.fault, reply, {
                otherOrigin: this.options.otherOrigin,
                handle,
                otherJob: () => this.options.graph.otherJob(route),
            });
        }

        const caller = () => this.options.caller?.(req.headers.authorization);
        const throttled = { kind: route.kind, area: route.area, method, caller } as ThrottledRequest;
        const rejection = this.throttle?.admit(throttled);
        if (rejection) {
            entry.fault = "throttle";
            return reply.graphError(429, "TooManyRequests", "Too many requests. The application has exceeded its rate limit.", {
                "Retry-After": String(rejection.retryAfterSeconds),
                ...rejection.headers,
            });
        }

        if (throttled.advisory) Object.assign(reply.extraHeaders, throttled.advisory);
        handle(reply);
    }

    /** Hands a request to Entra or Graph (also used by faults that handle it, then fail the answer). */
    private dispatch(route: RouteMatch, reply: Reply, url: URL, body: string): void {
        try {
            if (route.area === "entra") return this.options.entra.handle(route, reply, { url, body });
            if (route.area === "graph") return this.options.graph.handle(route, reply, { body });
            return reply.graphError(400, "BadRequest", `Resource not found for the segment '${url.pathname}'.`);
        } catch (error) {
            return reply.graphError(500, "InternalServerError", `Emulator error: ${(error as Error).message}`);
        }
    }
}

function readBody(req: ServerRequest): Promise<string> {
    return new Promise((resolve) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => resolve(Buffer.concat(chunks).toString()));
        // A client that goes away mid-body still gets a log entry; its handler sees an empty body.
        req.on("error", () => resolve(""));
    });
}
