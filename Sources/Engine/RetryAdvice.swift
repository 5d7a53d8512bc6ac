import Foundation
import IMAPClient
import MailTransport
import POP3Client

/// Whether an account-level failure is worth another attempt, and after how long. A backup resumes
/// where it stopped, so another attempt is a whole run of the job that takes only what is missing.
public enum RetryAdvice {
    /// The longest wait a server's hint can ask for: Microsoft 365 asks for up to about five minutes.
    public static let longestWait: Double = 900

    /// The wait a server asked for in its text: Microsoft 365's "Suggested Backoff Time: N milliseconds".
    public static func suggestedDelay(in text: String) -> Double? {
        guard let range = text.range(of: "Suggested Backoff Time:", options: .caseInsensitive) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " }
        guard let milliseconds = Double(rest.prefix { $0.isNumber }) else { return nil }
        return min(milliseconds / 1000, longestWait)
    }

    /// The seconds to wait before attempt `attempt + 1` (attempts count from 1), or nil when the
    /// failure will not go away by waiting (credentials, configuration, certificates, quota).
    public static func delay(after error: any Error, attempt: Int, base: Double) -> Double? {
        guard let text = transientText(error) else { return nil }
        // Gmail's [OVERQUOTA]: the day's bandwidth is used up; trying again today only makes it worse.
        if text.localizedCaseInsensitiveContains("[OVERQUOTA]") { return nil }
        if let hint = suggestedDelay(in: text) { return hint }
        return min(base * pow(2, Double(max(0, attempt - 1))), longestWait)
    }

    /// The server's words for a failure that may pass ("" when it said nothing), or nil for one that will not.
    static func transientText(_ error: any Error) -> String? {
        switch error {
        case let error as AccountError:
            return transientText(error.underlying)
        case let error as IMAPError:
            switch error {
            case .bye(let text): return text
            case .connectionClosed: return ""
            case .commandFailed(_, _, let text): return throttled("\(text)") ? "\(text)" : nil
            case .transport(let transport): return transientText(transport)
            default: return nil
            }
        case let error as POP3Error:
            switch error {
            case .connectionClosed: return ""
            case .commandFailed(_, let code, let text):
                let full = code.map { "[\($0)] \(text)" } ?? text
                return throttled(full) ? full : nil
            case .transport(let transport): return transientText(transport)
            default: return nil
            }
        case let error as TransportError:
            switch error {
            case .connectTimeout, .readTimeout, .connectionClosed, .network: return ""
            default: return nil
            }
        default:
            return nil
        }
    }

    /// A NO that says "not now" rather than "no": Gmail's [THROTTLED] and [UNAVAILABLE] codes,
    /// Microsoft 365's backoff hint.
    static func throttled(_ text: String) -> Bool {
        ["[THROTTLED]", "[UNAVAILABLE]", "Suggested Backoff Time"].contains {
            text.localizedCaseInsensitiveContains($0)
        }
    }
}
