import Foundation

/// SASL mechanisms and their initial client responses (RFC 4616 PLAIN, RFC 7628 OAUTHBEARER,
/// Google/Microsoft XOAUTH2), shared by IMAP and POP3.
public enum SASL: Sendable, Hashable {
    case plain(user: String, password: Secret)
    case xoauth2(user: String, token: Secret)
    case oauthBearer(user: String, host: String, port: Int, token: Secret)

    public var mechanism: String {
        switch self {
        case .plain: "PLAIN"
        case .xoauth2: "XOAUTH2"
        case .oauthBearer: "OAUTHBEARER"
        }
    }

    /// The initial response, base64-encoded.
    public var initialResponse: String {
        let raw: String
        switch self {
        case .plain(let user, let password):
            raw = "\0\(user)\0\(password.value)"
        case .xoauth2(let user, let token):
            raw = "user=\(user)\u{1}auth=Bearer \(token.value)\u{1}\u{1}"
        case .oauthBearer(let user, let host, let port, let token):
            let escaped = user.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
            raw = "n,a=\(escaped),\u{1}host=\(host)\u{1}port=\(port)\u{1}auth=Bearer \(token.value)\u{1}\u{1}"
        }
        return Data(raw.utf8).base64EncodedString()
    }
}
