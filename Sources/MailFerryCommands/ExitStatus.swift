import ArgumentParser
import Catalog
import Engine
import IMAPClient
import MailTransport
import POP3Client

/// Exit codes that scripts and cron can act on. Documented in README.md and `--help`.
public enum ExitStatus: Int32, CaseIterable, Sendable {
    case success = 0
    /// Some folders or messages failed; everything else was saved.
    case partialFailure = 1
    /// The job file or the command line is wrong.
    case configuration = 2
    /// The server refused the credentials, or the secret could not be had.
    case authentication = 3
    /// Could not connect: unknown host, refused port, timeout, TLS or certificate, STARTTLS missing.
    case connection = 4
    /// The server misbehaved or broke off the conversation.
    case server = 5
    /// Something else went wrong inside mailferry.
    case internalError = 70

    static let documentation = """
        Exit status: 0 success; 1 partial failure (some folders or messages failed, the rest saved); \
        2 configuration error; 3 authentication failure; 4 connection or TLS failure; \
        5 server error; 70 internal error; 64 command-line usage error.
        """
}

/// Turns any error into one clear line and an exit status.
enum ErrorReport {
    static func describe(_ error: any Error) -> (message: String, status: ExitStatus) {
        switch error {
        case let error as ConfigError:
            return ("\(error)", .configuration)
        case let error as AccountError:
            let (message, status) = describe(error.underlying)
            return ("account \"\(error.account)\": \(message)", status)
        case let error as SecretError:
            return ("\(error.message)", .authentication)
        case let error as OAuthError:
            return ("\(error.message)", .authentication)
        case let error as HTTPError:
            return ("\(error)", .server)
        case let error as IMAPError:
            return describe(error)
        case let error as POP3Error:
            return describe(error)
        case let error as TransportError:
            return describe(error)
        case let error as EngineError:
            switch error {
            case .locked, .cannotUse: return (error.description, .configuration)
            case .unknownJob: return (error.description, .configuration)
            case .unsupported: return (error.description, .configuration)
            }
        case let error as CatalogError:
            return (error.description, .configuration)
        case let error as FolderMapError:
            return (error.description, .configuration)
        case let error as FilterError:
            return (error.description, .configuration)
        case let error as ReplayError:
            return (error.description, .configuration)
        case let error as RunReportFiles.Missing:
            return (error.description, .configuration)
        case let error as ArchiveReadError:
            switch error {
            case .noSuchMessage: return (error.description + "; `mailferry search` shows ids", .configuration)
            case .noIntactCopy: return (error.description, .partialFailure)
            }
        default:
            if let failure = StorageFailure(error) {
                return (failure.description, failure.kind == .usage ? .configuration : .partialFailure)
            }
            return ("\(error)", .internalError)
        }
    }

    static func describe(_ error: IMAPError) -> (String, ExitStatus) {
        switch error {
        case .authenticationFailed:
            return ("\(error); check user and the password_* key (or the token token_command prints)", .authentication)
        case .loginDisabled, .mechanismNotOffered:
            return ("\(error); try tls = \"implicit\" or \"starttls\"", .authentication)
        case .starttlsNotOffered:
            return ("\(error); use tls = \"implicit\" with the server's TLS port (usually 993)", .connection)
        case .transport(let transport):
            return describe(transport)
        case .greetingRefused, .bye, .connectionClosed:
            return ("\(error)", .server)
        case .commandFailed, .protocolViolation, .parse:
            return ("\(error)", .server)
        }
    }

    static func describe(_ error: POP3Error) -> (String, ExitStatus) {
        switch error {
        case .authenticationFailed:
            return ("\(error); check user and the password_* key (or the token token_command prints)", .authentication)
        case .mechanismNotOffered, .noUsableLogin:
            return ("\(error); try tls = \"implicit\" or \"starttls\"", .authentication)
        case .stlsNotOffered:
            return ("\(error); use tls = \"implicit\" with the server's TLS port (usually 995)", .connection)
        case .transport(let transport):
            return describe(transport)
        case .invalidCommand:
            return ("\(error); check user in the job file", .configuration)
        case .responseTooLarge:
            return ("\(error); nothing was deleted from the server and what was saved is kept; the server misbehaves, tell its operator", .server)
        case .greetingRefused, .commandFailed, .connectionClosed, .protocolViolation, .parse:
            return ("\(error); nothing was deleted from the server, what was saved is kept", .server)
        }
    }

    static func describe(_ error: TransportError) -> (String, ExitStatus) {
        let hint: String
        switch error {
        case .unknownHost: hint = "check host in the job file"
        case .connectionRefused: hint = "check host, port and tls in the job file"
        case .connectTimeout: hint = "check host and port, and that a firewall lets the connection through"
        case .certificateUntrusted:
            hint = "if the server uses a private CA, point ca_file at its certificate; never disable verification"
        case .tlsFailed: hint = "check that the port speaks the tls mode configured (implicit vs starttls)"
        case .badTrustFile: hint = "ca_file must be a PEM file of certificates"
        case .readTimeout, .connectionClosed, .network: hint = "try again later"
        }
        return ("\(error); \(hint)", .connection)
    }
}
