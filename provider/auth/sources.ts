/**
 * Where secret material comes from at call time: the OIDC client assertion (a token, a file that
 * is re-read because it is rotated, or GitHub's token service) and the client certificate (PEM, or
 * a PFX converted in memory).
 */
import * as fs from "fs";
import type * as Forge from "node-forge";
import { ConfigurationError, OidcTokenError } from "../errors";
import type { AuthSettings } from "./settings";

/** A PEM file says so in its first line ("-----BEGIN …"); a PFX is DER and never does. */
const PEM_SNIFF_BYTES = 64;

/** How long a fetched GitHub ID token is reused (they are valid for several minutes). */
const GITHUB_ID_TOKEN_REUSE_MS = 60_000;

/**
 * Where the OIDC client assertion comes from: a token, a file (re-read each time: it is rotated), or
 * GitHub's token service. MSAL asks for the assertion more than once per token request, so a
 * fetched GitHub ID token is reused for a minute (they are valid for several).
 */
export function oidcAssertion(settings: AuthSettings): () => Promise<string> {
    let fetched: { value: string; until: number } | undefined;
    return async () => {
        if (settings.oidcToken) return settings.oidcToken;
        if (settings.oidcTokenFilePath) return fs.readFileSync(settings.oidcTokenFilePath, "utf8").trim();
        if (!fetched || Date.now() > fetched.until)
            fetched = { value: await githubIdToken(settings), until: Date.now() + GITHUB_ID_TOKEN_REUSE_MS };
        return fetched.value;
    };
}

async function githubIdToken(settings: AuthSettings): Promise<string> {
    if (settings.oidcRequestUrl && settings.oidcRequestToken) {
        // GitHub Actions: exchange the job's request token for an ID token with Entra's audience.
        const url = new URL(settings.oidcRequestUrl);
        url.searchParams.set("audience", "api://AzureADTokenExchange");
        const response = await fetch(url, {
            headers: { Authorization: `Bearer ${settings.oidcRequestToken}`, Accept: "application/json" },
        });
        if (!response.ok) throw new OidcTokenError(`the OIDC token request to ${url.origin} answered ${response.status}`);
        const body = (await response.json()) as { value?: string };
        if (!body.value) throw new OidcTokenError("the OIDC token request returned no token");
        return body.value;
    }
    throw new OidcTokenError(
        "useOidc is set but there is no token: set azuread:oidcToken, azuread:oidcTokenFilePath, ARM_OIDC_TOKEN(_FILE_PATH), or run in GitHub Actions with permissions: id-token: write",
    );
}

/**
 * The client certificate as PEM (key and certificate). @azure/identity reads PEM only; the azuread
 * provider's clientCertificatePath is usually a PFX (PKCS#12), so a PFX is converted in memory.
 */
export function certificatePem(settings: AuthSettings): string {
    const inline = !settings.clientCertificatePath;
    const file = inline ? "the inline certificate" : settings.clientCertificatePath!;
    const origin = inline ? settings.sources.clientCertificate : settings.sources.clientCertificatePath;
    const raw = inline ? inlineCertificate(settings) : readCertificateFile(file, origin);
    if (raw.subarray(0, PEM_SNIFF_BYTES).toString("latin1").includes("-----BEGIN")) return raw.toString("utf8");
    // Loaded only for a PFX: ~20 ms of the provider host's start that every other credential would pay.
    const forge = require("node-forge") as typeof Forge;
    let p12: Forge.pkcs12.Pkcs12Pfx;
    try {
        p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(raw.toString("binary")), settings.clientCertificatePassword ?? "");
    } catch (e) {
        // No `cause`: forge's error may carry MACs derived from the password. Its message is safe.
        throw new ConfigurationError(
            `${file} (from ${origin}) is neither PEM nor a PFX that opens with the given password: ${(e as Error).message}`,
        );
    }
    const keyBag =
        (p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? [])[0] ??
        (p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? [])[0];
    const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
    if (!keyBag?.key || certBags.length === 0) throw new ConfigurationError(`${file} holds no private key and certificate`);
    return forge.pki.privateKeyToPem(keyBag.key) + certBags.map((b) => forge.pki.certificateToPem(b.cert!)).join("");
}

function readCertificateFile(file: string, origin: string | undefined): Buffer {
    try {
        return fs.readFileSync(file);
    } catch (e) {
        throw new ConfigurationError(
            `cannot read the client certificate ${file} (from ${origin}): ${(e as NodeJS.ErrnoException).code ?? "unreadable"}. Fix the path, or give the certificate inline (clientCertificate).`,
        );
    }
}

/** The PFX behind azuread's inline clientCertificate (base64), or a ConfigurationError naming the setting. */
function inlineCertificate(settings: AuthSettings): Buffer {
    const text = settings.clientCertificate!.replace(/\s+/g, "");
    const raw = Buffer.from(text, "base64");
    if (raw.length === 0 || raw.toString("base64").replace(/=+$/, "") !== text.replace(/=+$/, "")) {
        throw new ConfigurationError(
            `the client certificate from ${settings.sources.clientCertificate} is not base64; give the PFX (PKCS#12) file base64-encoded (base64 -w0 cert.pfx), or use clientCertificatePath`,
        );
    }
    return raw;
}
