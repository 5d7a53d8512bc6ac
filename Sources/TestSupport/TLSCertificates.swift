import Foundation

/// A per-run certificate authority and a server certificate it signed, made with the `openssl` CLI.
struct TLSCertificates: Sendable {
    /// PEM of the self-signed CA, for clients' trust roots.
    var caCertificatePath: String
    var serverCertificatePath: String
    var serverKeyPath: String

    /// Writes `ca.pem`, `server.pem` and `server.key` into `directory`; the server certificate names
    /// `localhost` and `IP:127.0.0.1`.
    static func generate(in directory: URL) throws -> TLSCertificates {
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Subprocess.check(
            "openssl",
            ["req", "-x509"] + curve + [
                "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "30",
                "-subj", "/O=mailferry tests/CN=mailferry test CA",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ]
        )
        try Subprocess.check(
            "openssl",
            ["req", "-new"] + curve + [
                "-keyout", path("server.key"), "-out", path("server.csr"),
                "-subj", "/O=mailferry tests/CN=localhost",
            ]
        )
        let extensions = """
            subjectAltName = DNS:localhost, IP:127.0.0.1
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid, issuer

            """
        try Data(extensions.utf8).write(to: directory.appendingPathComponent("server.ext"))
        try Subprocess.check(
            "openssl",
            [
                "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                "-set_serial", String(UInt32.random(in: 1...UInt32.max)), "-days", "30",
                "-out", path("server.pem"), "-extfile", path("server.ext"),
            ]
        )
        return TLSCertificates(
            caCertificatePath: path("ca.pem"),
            serverCertificatePath: path("server.pem"),
            serverKeyPath: path("server.key")
        )
    }
}
