import * as crypto from "crypto";
import type { IncomingMessage, ServerResponse } from "http";
import type { Socket } from "net";
import type { RequestLogEntry } from "./log";

/**
 * One request's way to answer: every answer goes through here so the request log records the
 * status that was actually sent.
 */
export class Reply {
    constructor(
        readonly req: IncomingMessage,
        readonly res: ServerResponse,
        readonly entry: RequestLogEntry,
    ) {}

    /** The raw connection, for faults that act below HTTP. */
    get socket(): Socket {
        return this.req.socket;
    }

    json(status: number, body: unknown, headers: Record<string, string> = {}): void {
        this.entry.status = status;
        const text = JSON.stringify(body);
        this.res.writeHead(status, {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": Buffer.byteLength(text),
            ...headers,
        });
        this.res.end(text);
    }

    /** 204 with Graph's request-id headers. */
    empty(): void {
        this.entry.status = 204;
        this.res.writeHead(204, this.requestIds());
        this.res.end();
    }

    /** Graph's error shape: `{ error: { code, message, innerError } }` with matching request-id headers. */
    graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): void {
        const ids = this.requestIds();
        this.json(
            status,
            {
                error: {
                    code,
                    message,
                    innerError: {
                        date: new Date().toISOString().slice(0, 19),
                        "request-id": ids["request-id"],
                        "client-request-id": ids["client-request-id"],
                    },
                },
            },
            { ...ids, ...headers },
        );
    }

    /** Entra's OAuth error shape, as MSAL parses it. */
    aadError(status: number, error: { error: string; code: number; description: string }): void {
        this.json(status, aadErrorBody(error));
    }

    /** The connection dies without an answer (the client sees ECONNRESET). */
    reset(): void {
        this.entry.status = -1;
        this.socket.destroy();
    }

    /** No answer ever; the client's own timeout has to end it. */
    hang(): void {
        this.entry.status = -1;
    }

    private requestIds(): Record<string, string> {
        const requestId = crypto.randomUUID();
        const sent = this.req.headers["client-request-id"];
        // Graph echoes the caller's id, or reuses its own when there is none.
        return { "request-id": requestId, "client-request-id": typeof sent === "string" ? sent : requestId };
    }
}

export function aadErrorBody({ error, code, description }: { error: string; code: number; description: string }): Record<string, unknown> {
    const traceId = crypto.randomUUID();
    const correlationId = crypto.randomUUID();
    return {
        error,
        error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${new Date().toISOString()}`,
        error_codes: [code],
        timestamp: new Date().toISOString(),
        trace_id: traceId,
        correlation_id: correlationId,
    };
}
