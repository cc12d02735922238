import * as crypto from "crypto";
import * as https from "https";
import * as net from "net";

export interface OtherOriginRequest {
    method: string;
    path: string;
    authorization?: string;
    at: number;
}

/** Destroys its connections on close(), so neither keep-alive nor a stalled client holds it open. */
class Connections {
    private readonly sockets = new Set<net.Socket>();

    track(server: net.Server): void {
        server.on("connection", (socket: net.Socket) => {
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
        });
    }

    async close(server: net.Server): Promise<void> {
        for (const socket of this.sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    }
}

/**
 * A second HTTPS origin (same CA) that redirect faults point to. It answers like Graph would for a
 * job, so a client that follows a redirect is fooled; what reached it is in `requests`.
 */
export class OtherOrigin {
    readonly requests: OtherOriginRequest[] = [];
    private readonly connections = new Connections();

    private constructor(
        private readonly server: https.Server,
        readonly url: string,
    ) {
        this.connections.track(server);
        server.on("request", (req, res) => {
            this.requests.push({
                method: req.method ?? "GET",
                path: new URL(req.url ?? "/", url).pathname,
                authorization: req.headers.authorization,
                at: Date.now(),
            });
            req.resume();
            const body = JSON.stringify({ id: `other.${crypto.randomUUID()}`, status: { code: "Active" }, schedule: { state: "Active" } });
            res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
            res.end(body);
        });
    }

    static async start(tls: { key: string; cert: string }): Promise<OtherOrigin> {
        const server = https.createServer({ key: tls.key, cert: tls.cert });
        const port = await listen(server);
        return new OtherOrigin(server, `https://127.0.0.1:${port}`);
    }

    close(): Promise<void> {
        return this.connections.close(this.server);
    }
}

/** A TCP listener that accepts connections and never says a word (no TLS handshake, no answer). */
export class Blackhole {
    private readonly connections = new Connections();
    /** Connections accepted so far (a client that tried, as opposed to one that never connected). */
    accepted = 0;

    private constructor(
        private readonly server: net.Server,
        readonly url: string,
    ) {
        this.connections.track(server);
        server.on("connection", () => this.accepted++);
    }

    static async start(): Promise<Blackhole> {
        const server = net.createServer();
        const port = await listen(server);
        return new Blackhole(server, `https://127.0.0.1:${port}`);
    }

    close(): Promise<void> {
        return this.connections.close(this.server);
    }
}

function listen(server: net.Server, port = 0): Promise<number> {
    return new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port));
    });
}
