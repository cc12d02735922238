import * as crypto from "crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "http";
import { constants as h2, Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from "http2";
import type { Socket } from "net";
import type { RequestLogEntry } from "./log";

/** An answer a handler produced, held back so a fault can send part of it. */
export interface CapturedAnswer {
    status: number;
    headers: OutgoingHttpHeaders;
    body: Buffer;
}

/** A request as the server hands it over: HTTP/1.1, or an HTTP/2 stream (compatibility API). */
export type ServerRequest = IncomingMessage | Http2ServerRequest;
export type ServerReply = ServerResponse | Http2ServerResponse;

/**
 * What a reset does to a request that came over HTTP/2, where one connection carries many requests:
 * "connection" a TCP RST of the whole connection (every request on it fails, as on HTTP/1.1, where
 * the connection carries one); "stream" an RST_STREAM (INTERNAL_ERROR) of this request only;
 * "goaway" a GOAWAY (INTERNAL_ERROR) then the connection destroyed, as a server going away does.
 */
export type Http2Reset = "connection" | "stream" | "goaway";

/** The part of ServerResponse that Reply writes through. */
interface Sink {
    writeHead(status: number, headers: OutgoingHttpHeaders): unknown;
    end(body?: string): unknown;
}

/**
 * One request's way to answer: every answer goes through here so the request log records the
 * status that was actually sent.
 */
export class Reply {
    /** Where writeHead/end go: the response, or a capture while a fault holds the answer back. */
    private sink: Sink;
    /** Headers added to the answer Graph gives (e.g. the throttle's x-ms-throttle-limit-percentage). */
    extraHeaders: Record<string, string> = {};

    constructor(
        readonly req: ServerRequest,
        /**
         * Over HTTP/2 an Http2ServerResponse, typed as the HTTP/1.1 one: the compatibility API has the
         * same writeHead/write/end/flushHeaders, but TypeScript cannot call a union of their overloads.
         */
        readonly res: ServerResponse,
        readonly entry: RequestLogEntry,
    ) {
        this.sink = res;
    }

    /**
     * The connection the request came on (the TLS socket), for faults that act below HTTP. Over
     * HTTP/2 it is the compatibility API's proxy: end/destroy act on the stream, write throws, and
     * everything else reaches the TLS socket.
     */
    get socket(): Socket {
        return this.req.socket;
    }

    /** The request's HTTP/2 stream; undefined over HTTP/1.1. */
    get stream(): ServerHttp2Stream | undefined {
        return this.req instanceof Http2ServerRequest ? this.req.stream : undefined;
    }

    /**
     * Closes the connection cleanly: TLS close_notify, then FIN. Over HTTP/2 the socket proxy's end()
     * would end the stream, so destroySoon() (which the proxy binds to the TLS socket) ends the
     * TLS socket itself; every stream on it is then cut, as a FIN cuts a proxy's connection.
     */
    private endConnection(): void {
        if (this.stream) (this.socket as Socket & { destroySoon(): void }).destroySoon();
        else this.socket.end();
    }

    /**
     * The TCP socket under TLS. Only it can send an RST: resetAndDestroy() on the TLS socket throws
     * ERR_INVALID_HANDLE_TYPE, since its handle is a TLSWrap, not a TCP handle.
     */
    get tcpSocket(): Socket {
        return (this.req.socket as Socket & { _parent?: Socket })._parent ?? this.req.socket;
    }

    /** Runs a handler with this reply but keeps its answer from the wire; the log keeps its status. */
    capture(handler: (reply: Reply) => void): CapturedAnswer {
        const answer: CapturedAnswer = { status: 0, headers: {}, body: Buffer.alloc(0) };
        this.sink = {
            writeHead: (status, headers) => Object.assign(answer, { status, headers }),
            end: (body) => (answer.body = Buffer.from(body ?? "")),
        };
        try {
            handler(this);
        } finally {
            this.sink = this.res;
        }
        return answer;
    }

    /**
     * Sends a captured answer's status and headers (its Content-Length stays that of the whole
     * body) and its first `bytes` bytes, then closes cleanly or goes silent with the socket open.
     */
    partial(answer: CapturedAnswer, bytes: number, then: "close" | "silence"): void {
        this.res.writeHead(answer.status, { ...answer.headers, "Content-Length": answer.body.length });
        const after = () => {
            if (then === "close") this.endConnection();
        };
        if (bytes > 0) this.res.write(answer.body.subarray(0, bytes), after);
        else if (this.stream) {
            // An HTTP/2 response sends its HEADERS frame on flushHeaders(); there is no socket write to wait on.
            this.res.flushHeaders();
            if (then === "close") setImmediate(after);
        } else {
            this.res.flushHeaders();
            // flushHeaders() queues the head on the socket; an empty write's callback runs once it is out.
            this.socket.write("", after);
        }
    }

    /** An HTML page, as a proxy or captive portal sends in place of the API. */
    html(status: number, page: string): void {
        this.entry.status = status;
        this.res.writeHead(status, { "Content-Type": "text/html", "Content-Length": Buffer.byteLength(page) });
        this.res.end(page);
    }

    /** A success without a body (no request-id either), as a proxy or WAF rule may send in place of the API. */
    blank(status: number): void {
        this.entry.status = status;
        this.res.writeHead(status, status === 204 ? {} : { "Content-Length": 0 });
        this.res.end();
    }

    redirect(status: number, location: string): void {
        this.entry.status = status;
        this.res.writeHead(status, { Location: location, "Content-Length": 0 });
        this.res.end();
    }

    json(status: number, body: unknown, headers: Record<string, string> = {}): void {
        this.entry.status = status;
        const text = JSON.stringify(body);
        this.sink.writeHead(status, {
            "Content-Type": "application/json; charset=utf-8",
            "Content-Length": Buffer.byteLength(text),
            ...this.extraHeaders,
            ...headers,
        });
        this.sink.end(text);
    }

    /** 204 with Graph's request-id headers. */
    empty(): void {
        this.entry.status = 204;
        this.sink.writeHead(204, { ...this.requestIds(), ...this.extraHeaders });
        this.sink.end();
    }

    /**
     * A JSON job padded to `bytes` bytes, written in chunks as the socket drains (so a body of
     * hundreds of MB costs the emulator little); stops when the client goes away.
     */
    padded(status: number, bytes: number, chunked = false): void {
        this.entry.status = status;
        const head = '{"id":"padded","status":{"code":"Active"},"schedule":{"state":"Active"},"padding":"';
        const tail = '"}';
        const fill = Math.max(0, bytes - head.length - tail.length);
        const length = chunked ? {} : { "Content-Length": head.length + fill + tail.length };
        this.res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", ...length });
        const chunk = "x".repeat(64 * 1024);
        let left = fill;
        let started = false;
        const pump = (): void => {
            if (this.res.destroyed) return;
            if (!started) {
                started = true;
                if (!this.res.write(head)) return void this.res.once("drain", pump);
            }
            while (left > 0) {
                const piece = left >= chunk.length ? chunk : chunk.slice(0, left);
                left -= piece.length;
                if (!this.res.write(piece)) return void this.res.once("drain", pump);
            }
            this.res.end(tail);
        };
        pump();
    }

    /** 202 Accepted with Graph's request-id headers (bulkUpload). */
    accepted(): void {
        this.entry.status = 202;
        this.sink.writeHead(202, { ...this.requestIds(), ...this.extraHeaders, "Content-Length": 0 });
        this.sink.end();
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

    /**
     * A TCP RST without an answer (the client sees ECONNRESET). keepStatus: the request was
     * handled and the log keeps the status its handler chose.
     */
    reset(options: { keepStatus?: boolean; http2?: Http2Reset } = {}): void {
        if (!options.keepStatus) this.entry.status = -1;
        const stream = this.stream;
        if (stream && options.http2 === "stream") {
            stream.close(h2.NGHTTP2_INTERNAL_ERROR);
            return;
        }
        if (stream && options.http2 === "goaway") {
            // The last stream id it names is the one before this request, or this one once handled
            // (keepStatus): what GOAWAY's last-stream-id says about what the server processed.
            const last = options.keepStatus ? stream.id : Math.max(0, stream.id! - 2);
            stream.session?.goaway(h2.NGHTTP2_INTERNAL_ERROR, last);
            stream.session?.destroy();
            return;
        }
        // A client that already went away leaves nothing to reset (resetAndDestroy would emit an error).
        if (!this.tcpSocket.destroyed) this.tcpSocket.resetAndDestroy();
        this.socket.destroy();
    }

    /** A clean close without an answer: TLS close_notify, then FIN (undici: "other side closed"). */
    close(): void {
        this.entry.status = -1;
        this.endConnection();
    }

    /** No answer ever; the client's own timeout (or emu.close()) has to end it. */
    hang(options: { keepStatus?: boolean } = {}): void {
        if (!options.keepStatus) this.entry.status = -1;
    }

    private requestIds(): Record<string, string> {
        const requestId = crypto.randomUUID();
        this.entry.requestId = requestId;
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
