import MailTransport

/// How an account proves who it is.
public enum AuthMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// A password: SASL PLAIN when offered, else IMAP LOGIN / POP3 USER+PASS (or APOP).
    case plain
    /// The same negotiation as `plain`: the key accepts both names people know it by.
    case login
    /// SASL XOAUTH2 (Google, Microsoft) with a bearer token from `token_command`.
    case xoauth2
    /// SASL OAUTHBEARER (RFC 7628) with a bearer token from `token_command`.
    case oauthbearer

    public var isOAuth: Bool { self == .xoauth2 || self == .oauthbearer }
}

/// Host, port and TLS mode of one protocol at a provider.
public struct ServerSetting: Sendable, Hashable, Codable {
    public var host: String
    public var port: Int
    public var tls: TLSMode

    public init(host: String, port: Int, tls: TLSMode = .implicit) {
        self.host = host
        self.port = port
        self.tls = tls
    }
}

/// A mail provider's published IMAP and POP3 settings, chosen with `provider = "NAME"`.
public struct ProviderPreset: Sendable, Hashable, Codable {
    public var name: String
    public var title: String
    public var imap: ServerSetting?
    public var pop3: ServerSetting?
    /// The method used when the account has no `auth` key.
    public var auth: AuthMethod
    /// False when the provider refuses passwords over IMAP and POP3 (OAuth2 only).
    public var acceptsPasswords: Bool
    /// What people trip over with this provider.
    public var note: String
    /// The endpoints and scopes of `mailferry auth` (device code flow) for accounts with a `client_id`.
    public var oauth: OAuthEndpoints? = nil

    public func server(for mailProtocol: MailProtocol) -> ServerSetting? {
        mailProtocol == .imap ? imap : pop3
    }

    public static func named(_ name: String) -> ProviderPreset? {
        all.first { $0.name == name.lowercased() }
    }

    /// Each entry's source is the provider's own help page, as of 2026.
    public static let all: [ProviderPreset] = [
        // learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/pop3-and-imap4/pop3-and-imap4
        // ("POP, IMAP, and SMTP settings"); Basic authentication was turned off in Exchange Online in 2022.
        ProviderPreset(
            name: "office365", title: "Microsoft 365 / Exchange Online",
            imap: ServerSetting(host: "outlook.office365.com", port: 993),
            pop3: ServerSetting(host: "outlook.office365.com", port: 995), auth: .xoauth2, acceptsPasswords: false,
            note: "OAuth2 only: token_command, or client_id (an app registered in Entra ID) with mailferry auth",
            oauth: OAuthEndpoints(
                device: "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
                token: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                scope: "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All offline_access")),
        // support.microsoft.com "POP, IMAP, and SMTP settings for Outlook.com"; passwords refused since 2024.
        ProviderPreset(
            name: "outlook", title: "Outlook.com / Hotmail",
            imap: ServerSetting(host: "outlook.office365.com", port: 993),
            pop3: ServerSetting(host: "outlook.office365.com", port: 995), auth: .xoauth2, acceptsPasswords: false,
            note: "OAuth2 only (modern auth); POP must be enabled in Outlook.com settings",
            oauth: OAuthEndpoints(
                device: "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode",
                token: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                scope: "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All offline_access")),
        // developers.google.com/gmail/imap/imap-smtp and support.google.com/mail/answer/7126229
        ProviderPreset(
            name: "gmail", title: "Gmail / Google Workspace",
            imap: ServerSetting(host: "imap.gmail.com", port: 993),
            pop3: ServerSetting(host: "pop.gmail.com", port: 995), auth: .plain, acceptsPasswords: true,
            note: "an app password (2-Step Verification on), or auth = \"xoauth2\" with token_command"),
        // help.yahoo.com "IMAP server settings for Yahoo Mail" / "POP access and settings"
        ProviderPreset(
            name: "yahoo", title: "Yahoo Mail",
            imap: ServerSetting(host: "imap.mail.yahoo.com", port: 993),
            pop3: ServerSetting(host: "pop.mail.yahoo.com", port: 995), auth: .plain, acceptsPasswords: true,
            note: "an app password generated in Yahoo account security"),
        // support.apple.com/102525 "iCloud Mail server settings"; there is no POP3.
        ProviderPreset(
            name: "icloud", title: "iCloud Mail",
            imap: ServerSetting(host: "imap.mail.me.com", port: 993), pop3: nil, auth: .plain,
            acceptsPasswords: true,
            note: "an app-specific password; user is usually the part of the address before @"),
        // fastmail.help "Server names and ports"
        ProviderPreset(
            name: "fastmail", title: "Fastmail",
            imap: ServerSetting(host: "imap.fastmail.com", port: 993),
            pop3: ServerSetting(host: "pop.fastmail.com", port: 995), auth: .plain, acceptsPasswords: true,
            note: "an app password (Settings > Privacy & Security)"),
        // support.gmx.com "POP3 and IMAP settings"
        ProviderPreset(
            name: "gmx", title: "GMX (gmx.com)",
            imap: ServerSetting(host: "imap.gmx.com", port: 993),
            pop3: ServerSetting(host: "pop.gmx.com", port: 995), auth: .plain, acceptsPasswords: true,
            note: "POP3/IMAP access must be enabled in the GMX settings"),
        // hilfe.gmx.net "IMAP und POP3 einrichten"
        ProviderPreset(
            name: "gmx-de", title: "GMX (gmx.net / gmx.de)",
            imap: ServerSetting(host: "imap.gmx.net", port: 993),
            pop3: ServerSetting(host: "pop.gmx.net", port: 995), auth: .plain, acceptsPasswords: true,
            note: "POP3/IMAP access must be enabled in the GMX settings"),
        // hilfe.web.de "IMAP und POP3 aktivieren"
        ProviderPreset(
            name: "webde", title: "WEB.DE",
            imap: ServerSetting(host: "imap.web.de", port: 993),
            pop3: ServerSetting(host: "pop3.web.de", port: 995), auth: .plain, acceptsPasswords: true,
            note: "POP3/IMAP access must be enabled in the WEB.DE settings"),
        // zoho.com/mail/help/imap-access.html and pop-access.html (US data centre)
        ProviderPreset(
            name: "zoho", title: "Zoho Mail (zoho.com)",
            imap: ServerSetting(host: "imap.zoho.com", port: 993),
            pop3: ServerSetting(host: "pop.zoho.com", port: 995), auth: .plain, acceptsPasswords: true,
            note: "an app-specific password when two-factor authentication is on; EU accounts use zoho-eu"),
        // the same pages, EU data centre
        ProviderPreset(
            name: "zoho-eu", title: "Zoho Mail (zoho.eu)",
            imap: ServerSetting(host: "imap.zoho.eu", port: 993),
            pop3: ServerSetting(host: "pop.zoho.eu", port: 995), auth: .plain, acceptsPasswords: true,
            note: "an app-specific password when two-factor authentication is on"),
        // help.aol.com "IMAP server settings for AOL Mail" / "POP server settings"
        ProviderPreset(
            name: "aol", title: "AOL Mail",
            imap: ServerSetting(host: "imap.aol.com", port: 993),
            pop3: ServerSetting(host: "pop.aol.com", port: 995), auth: .plain, acceptsPasswords: true,
            note: "an app password generated in AOL account security"),
        // kb.mailbox.org "IMAP, POP3 and SMTP settings"
        ProviderPreset(
            name: "mailbox.org", title: "mailbox.org",
            imap: ServerSetting(host: "imap.mailbox.org", port: 993),
            pop3: ServerSetting(host: "pop3.mailbox.org", port: 995), auth: .plain, acceptsPasswords: true,
            note: ""),
        // posteo.de/en/help "What are the server settings for my email program?"
        ProviderPreset(
            name: "posteo", title: "Posteo",
            imap: ServerSetting(host: "posteo.de", port: 993),
            pop3: ServerSetting(host: "posteo.de", port: 995), auth: .plain, acceptsPasswords: true,
            note: ""),
    ]
}
