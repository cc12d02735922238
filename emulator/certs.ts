import * as crypto from "crypto";
import * as forge from "node-forge";

export interface TlsMaterial {
    /** PEM of the throwaway CA; give it to clients through NODE_EXTRA_CA_CERTS. */
    caCertPem: string;
    /** PEM of the server certificate (SAN IP:127.0.0.1, DNS:localhost), signed by the CA. */
    certPem: string;
    keyPem: string;
}

// RSA keys come from Node's native generator: forge's pure-JS one takes seconds per key.
function rsaKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
    const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const forgeKey = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
    return { privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e), keyPem };
}

function serial(): string {
    // A positive serial: clear the top bit.
    const bytes = crypto.randomBytes(16);
    bytes[0] &= 0x7f;
    return bytes.toString("hex");
}

export interface CaMaterial {
    certPem: string;
    keyPem: string;
}

/** A fresh CA (valid two days), to sign emulator certificates with. */
export function generateCa(commonName = "entra-sync-emulator CA"): CaMaterial {
    const ca = rsaKeyPair();
    const caCert = forge.pki.createCertificate();
    caCert.publicKey = ca.publicKey;
    caCert.serialNumber = serial();
    caCert.validity.notBefore = new Date(Date.now() - 60_000);
    caCert.validity.notAfter = new Date(Date.now() + 2 * 24 * 3600_000);
    const subject = [{ name: "commonName", value: commonName }];
    caCert.setSubject(subject);
    caCert.setIssuer(subject);
    caCert.setExtensions([
        { name: "basicConstraints", cA: true, critical: true },
        { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
        { name: "subjectKeyIdentifier" },
    ]);
    caCert.sign(ca.privateKey, forge.md.sha256.create());
    return { certPem: forge.pki.certificateToPem(caCert), keyPem: ca.keyPem };
}

/**
 * The emulator's TLS material: a server certificate for 127.0.0.1 and localhost signed by `ca`
 * (a fresh CA when none is given, e.g. one shared by a whole test run).
 */
export function generateTlsMaterial(ca: CaMaterial = generateCa()): TlsMaterial {
    const caCert = forge.pki.certificateFromPem(ca.certPem);
    const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
    const leaf = rsaKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = leaf.publicKey;
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 2 * 24 * 3600_000);
    cert.setSubject([{ name: "commonName", value: "entra-sync-emulator" }]);
    cert.setIssuer(caCert.subject.attributes);
    cert.setExtensions([
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        {
            name: "subjectAltName",
            altNames: [
                { type: 7, ip: "127.0.0.1" },
                { type: 2, value: "localhost" },
            ],
        },
        { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
    ]);
    cert.sign(caKey, forge.md.sha256.create());
    return { caCertPem: ca.certPem, certPem: forge.pki.certificateToPem(cert), keyPem: leaf.keyPem };
}

/** A self-signed client certificate (PEM of key + cert), for ClientCertificateCredential tests. */
export function generateClientCertificate(commonName: string): { pem: string; certPem: string; thumbprint: string } {
    const key = rsaKeyPair();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.publicKey;
    cert.serialNumber = serial();
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 2 * 24 * 3600_000);
    cert.setSubject([{ name: "commonName", value: commonName }]);
    cert.setIssuer([{ name: "commonName", value: commonName }]);
    cert.sign(key.privateKey, forge.md.sha256.create());
    const certPem = forge.pki.certificateToPem(cert);
    const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
    const thumbprint = forge.md.sha1.create().update(der).digest().toHex();
    return { pem: key.keyPem + certPem, certPem, thumbprint };
}
