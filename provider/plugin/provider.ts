/**
 * The provider plugin `entrasync`'s provider object (what `@pulumi/pulumi/provider`'s `main` serves):
 * like the dynamic provider (../provider.ts), each method only delegates to ../operations, so the
 * plugin and the dynamic resource are one engine. What only a plugin receives (the engine's
 * timeout, an import's bare id) comes from the request being served (./server.ts).
 */
import type * as pulumiProvider from "@pulumi/pulumi/provider";
import type { ProviderInputs, ProviderOutputs } from "../inputs";
import * as operations from "../operations";
import { currentRequest } from "./server";

export function entraSyncProvider(version: string, schema: string): pulumiProvider.Provider {
    return {
        version,
        schema,
        check: (_urn, olds, news) => operations.check(olds, news),
        diff: (id, _urn, olds, news) => operations.diff(id, olds, news),
        create: (_urn, inputs: ProviderInputs) => operations.create(inputs, { timeoutSeconds: currentRequest()?.timeoutSeconds }),
        // A read with no state is `pulumi import`: the id is all there is.
        read: (id, _urn, props?: ProviderOutputs) => (props?.servicePrincipalId ? operations.read(id, props) : operations.importJob(id)),
        update: (id, _urn, olds: ProviderOutputs, news: ProviderInputs) =>
            operations.update(id, olds, news, { timeoutSeconds: currentRequest()?.timeoutSeconds }),
        delete: (id, _urn, props: ProviderOutputs) => operations.remove(id, props),
    };
}
