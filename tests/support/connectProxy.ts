import * as http from "http";
import * as net from "net";

/** A tunnel asked of the proxy: where to, as the CONNECT line named it, and whether it was opened. */
export interface Tunnel {
    target: string;
    opened: boolean;
}

export interface ConnectProxy {
    url: string;
    tunnels: Tunnel[];
    /** While true, CONNECT is answered 403 (a proxy that denies the host). */
    refuse: boolean;
    /** Cuts every open tunnel, so the next request must ask for a new one. */
    dropTunnels(): void;
    close(): Promise<void>;
}

/**
 * A forward proxy on loopback that only tunnels (CONNECT), as corporate proxies do for https, and
 * records each tunnel asked for. Plain-http requests get 405: nothing here should send one.
 */
export async function startConnectProxy(): Promise<ConnectProxy> {
    const sockets = new Set<net.Socket>();
    const track = (socket: net.Socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
    };
    const server = http.createServer((_req, res) => res.writeHead(405).end());
    const proxy: ConnectProxy = {
        url: "",
        tunnels: [],
        refuse: false,
        dropTunnels: () => sockets.forEach((socket) => socket.destroy()),
        close: () => {
            proxy.dropTunnels();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
    server.on("connection", track);
    server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
        const target = req.url ?? "";
        proxy.tunnels.push({ target, opened: !proxy.refuse });
        if (proxy.refuse) return void client.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        const [host, port] = target.split(":");
        const upstream = net.connect(Number(port), host, () => {
            client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
            if (head.length) upstream.write(head);
            upstream.pipe(client);
            client.pipe(upstream);
        });
        track(upstream);
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    return proxy;
}
