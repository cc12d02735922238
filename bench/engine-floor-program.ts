/**
 * The engine floor: a dynamic provider that makes no HTTP call at all (check returns its inputs,
 * create returns an id). What the provider protocol alone costs per resource through the real
 * provider host and this project's engine driver, on the same machine as the emulator: SyncJobStart
 * cannot be faster than this, whatever its HTTP does.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadScenario } from "../harness/scenario";

const floorProvider: pulumi.dynamic.ResourceProvider = {
    async check(_olds: unknown, news: Record<string, unknown>) {
        return { inputs: news };
    },
    async create(inputs: { servicePrincipalId: string; jobId: string }) {
        return { id: `${inputs.servicePrincipalId}/${inputs.jobId}`, outs: { ...inputs, status: "Active" } };
    },
};

class EngineFloor extends pulumi.dynamic.Resource {
    constructor(name: string, args: { servicePrincipalId: string; jobId: string }) {
        super(floorProvider, name, { ...args, status: undefined }, undefined, "floor", "EngineFloor");
    }
}

for (const r of loadScenario<{ servicePrincipalId: string; jobId: string }>().resources) new EngineFloor(r.name, r.args);
