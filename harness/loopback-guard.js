// Loaded with --require into the test runner and every process it starts (NODE_OPTIONS): refuses,
// and records, any TCP connection to a host other than loopback, before a packet leaves.
"use strict";
const net = require("net");
const fs = require("fs");

const log = process.env.ENTRA_SYNC_LOOPBACK_LOG;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|::ffff:127\.\d+\.\d+\.\d+)$/i;

function destination(args) {
    let a = args[0];
    if (Array.isArray(a)) a = a[0];
    if (a && typeof a === "object") return a.path ? undefined : a.host || "localhost";
    if (typeof a === "string" && isNaN(Number(a))) return undefined; // a unix socket path
    return typeof args[1] === "string" ? args[1] : "localhost";
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
    const host = destination(args);
    if (host !== undefined && !LOOPBACK.test(host)) {
        const line = `${new Date().toISOString()} pid ${process.pid} ${process.argv.slice(1, 3).join(" ")}: blocked connection to ${host}\n`;
        if (log) fs.appendFileSync(log, line);
        const err = new Error(`loopback guard: connection to ${host} refused (tests talk to 127.0.0.1 only)`);
        err.code = "ECONNREFUSED";
        process.nextTick(() => this.destroy(err));
        return this;
    }
    return connect.apply(this, args);
};
