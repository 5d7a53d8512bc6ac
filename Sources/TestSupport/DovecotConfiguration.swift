import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The accounts Dovecot's processes run as: root needs unprivileged ones, anyone else runs everything as itself.
struct DovecotIdentity: Sendable {
    var loginUser: String
    var internalUser: String
    var internalGroup: String
    var mailUID: uid_t
    var mailGID: gid_t
    /// Files the harness writes into the Maildir must be chowned to the mail uid when running as root.
    var isRoot: Bool

    static func current() throws -> DovecotIdentity {
        let uid = getuid()
        if uid != 0 {
            let name = try userName(uid)
            let group = try groupName(getgid())
            return DovecotIdentity(
                loginUser: name, internalUser: name, internalGroup: group, mailUID: uid, mailGID: getgid(),
                isRoot: false)
        }
        // Dovecot refuses to run login processes as root and mail processes below first_valid_uid.
        guard let mail = lookupUser("dovecot") ?? lookupUser("nobody") else {
            throw DovecotServerError.startFailed(reason: "no 'dovecot' or 'nobody' user to own the mail", logTail: "")
        }
        let login = lookupUser("dovenull")?.name ?? "nobody"
        return DovecotIdentity(
            loginUser: login, internalUser: mail.name, internalGroup: try groupName(mail.gid),
            mailUID: mail.uid, mailGID: mail.gid, isRoot: true)
    }

    private static func lookupUser(_ name: String) -> (name: String, uid: uid_t, gid: gid_t)? {
        guard let entry = getpwnam(name) else { return nil }
        return (name, entry.pointee.pw_uid, entry.pointee.pw_gid)
    }

    private static func userName(_ uid: uid_t) throws -> String {
        guard let entry = getpwuid(uid) else {
            throw DovecotServerError.startFailed(reason: "uid \(uid) has no passwd entry", logTail: "")
        }
        return String(cString: entry.pointee.pw_name)
    }

    private static func groupName(_ gid: gid_t) throws -> String {
        guard let entry = getgrgid(gid) else {
            throw DovecotServerError.startFailed(reason: "gid \(gid) has no group entry", logTail: "")
        }
        return String(cString: entry.pointee.gr_name)
    }
}

/// The text of a private `dovecot.conf`: everything under one directory, nothing read from `/etc/dovecot`.
struct DovecotConfiguration: Sendable {
    struct Ports: Sendable {
        var imap: Int
        var imaps: Int
        var pop3: Int
        var pop3s: Int
    }

    var directory: URL
    var instanceName: String
    var ports: Ports
    var options: DovecotServer.Options
    var identity: DovecotIdentity
    var certificates: TLSCertificates

    var path: String { directory.appendingPathComponent("dovecot.conf").path }
    var logPath: String { directory.appendingPathComponent("log/dovecot.log").path }
    var usersPath: String { directory.appendingPathComponent("users.passwd").path }
    var mailRoot: String { directory.appendingPathComponent("mail").path }

    /// Special-use folders declared in the personal namespace; created only when a test asks (RFC 6154).
    static let specialUse: [(name: String, attribute: String)] = [
        ("Sent", "\\Sent"), ("Drafts", "\\Drafts"), ("Trash", "\\Trash"), ("Junk", "\\Junk"),
        ("Archive", "\\Archive"),
    ]

    var text: String {
        let root = directory.path
        let mailLocation: String
        let separator: String
        let prefix: String
        switch options.layout {
        case .slash:
            // LAYOUT=fs keeps `.` legal in names; DIRNAME moves cur/new/tmp out of the folder tree so a folder
            // called `cur` cannot collide; INBOX lives outside the tree so it is not listed twice.
            mailLocation = "maildir:\(mailRoot)/%u/folders:LAYOUT=fs:DIRNAME=mf-maildir:INBOX=\(mailRoot)/%u/inbox"
            separator = "/"
            prefix = ""
        case .dotWithInboxPrefix:
            mailLocation = "maildir:\(mailRoot)/%u/Maildir"
            separator = "."
            prefix = "INBOX."
        }
        let mailboxes = Self.specialUse.map { folder in
            """
              mailbox "\(folder.name)" {
                special_use = \(folder.attribute)
              }
            """
        }.joined(separator: "\n")
        let plainIMAP = """
              inet_listener imap {
                address = 127.0.0.1
                port = \(ports.imap)
              }
            """
        let plainPOP3 = """
              inet_listener pop3 {
                address = 127.0.0.1
                port = \(ports.pop3)
              }
            """
        // Dovecot 2.3 has no per-listener ssl setting for plain ports: with ssl=yes every plain listener offers
        // STARTTLS. A second login service started with `-o ssl=no` serves the plain ports when STARTTLS is off.
        let imapServices: String
        let pop3Services: String
        if options.starttls {
            imapServices = loginService(
                "imap-login", executable: nil, listeners: [plainIMAP, tlsListener("imaps", ports.imaps)])
            pop3Services = loginService(
                "pop3-login", executable: nil, listeners: [plainPOP3, tlsListener("pop3s", ports.pop3s)])
        } else {
            // Dovecot's built-in imap-login and pop3-login services listen on 143 and 110 unless the listener
            // is switched off explicitly (port 0); two such servers would fight over those ports.
            let noIMAP = "  inet_listener imap {\n    port = 0\n  }"
            let noPOP3 = "  inet_listener pop3 {\n    port = 0\n  }"
            imapServices =
                loginService("imap-login", executable: nil, listeners: [noIMAP, tlsListener("imaps", ports.imaps)])
                + "\n"
                + loginService(
                    "mf-imap-login-plain", executable: "imap-login -o ssl=no", protocol: "imap", listeners: [plainIMAP])
            pop3Services =
                loginService("pop3-login", executable: nil, listeners: [noPOP3, tlsListener("pop3s", ports.pop3s)])
                + "\n"
                + loginService(
                    "mf-pop3-login-plain", executable: "pop3-login -o ssl=no", protocol: "pop3", listeners: [plainPOP3])
        }
        return """
            # Written by mailferry TestSupport for one test server; deleted when it stops.
            instance_name = \(instanceName)
            base_dir = \(root)/run
            state_dir = \(root)/state
            log_path = \(logPath)
            info_log_path = \(logPath)
            protocols = imap pop3
            listen = 127.0.0.1
            shutdown_clients = yes

            ssl = yes
            ssl_cert = <\(certificates.serverCertificatePath)
            ssl_key = <\(certificates.serverKeyPath)
            ssl_min_protocol = TLSv1.2

            # Plaintext logins on plain ports, so clients can test tls = none.
            disable_plaintext_auth = no
            auth_mechanisms = plain login\(options.oauth2Key == nil ? "" : " xoauth2 oauthbearer")
            auth_failure_delay = 0

            default_login_user = \(identity.loginUser)
            default_internal_user = \(identity.internalUser)
            default_internal_group = \(identity.internalGroup)
            first_valid_uid = \(identity.mailUID)
            first_valid_gid = \(identity.mailGID)

            mail_location = \(mailLocation)
            # listescape lets hostile names (`..`, a leading `~` or `.`, `\\`, `/` in the dot layout) be created.
            mail_plugins = listescape
            mail_fsync = never
            mail_max_userip_connections = 1000

            namespace inbox {
              inbox = yes
              separator = \(separator)
              prefix = \(prefix)
            \(mailboxes)
            }

            \(oauth2PassDB)
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u \(usersPath)
            }
            userdb {
              driver = static
              args = uid=\(identity.mailUID) gid=\(identity.mailGID) home=\(mailRoot)/%u
            }

            \(imapServices)
            \(pop3Services)
            \(options.settings.joined(separator: "\n"))
            service anvil {
              chroot =
            }
            service imap {
              process_limit = 1000
            }
            service pop3 {
              process_limit = 1000
            }

            """
    }

    var oauth2ConfigPath: String { directory.appendingPathComponent("dovecot-oauth2.conf.ext").path }

    /// Local JWT validation (Dovecot 2.3.11+) with the key the harness wrote into `oauth2-keys/`.
    var oauth2Config: String {
        """
        introspection_mode = local
        local_validation_key_dict = fs:posix:prefix=\(directory.appendingPathComponent("oauth2-keys").path)/
        username_attribute = email
        """
    }

    private var oauth2PassDB: String {
        guard options.oauth2Key != nil else { return "" }
        return """
            passdb {
              driver = oauth2
              mechanisms = xoauth2 oauthbearer
              args = \(oauth2ConfigPath)
            }
            """
    }

    private func tlsListener(_ name: String, _ port: Int) -> String {
        """
          inet_listener \(name) {
            address = 127.0.0.1
            port = \(port)
            ssl = yes
          }
        """
    }

    private func loginService(_ name: String, executable: String?, protocol proto: String? = nil, listeners: [String])
        -> String
    {
        var lines = ["service \(name) {", "  chroot ="]
        if let executable, let proto {
            lines += [
                "  executable = \(executable)", "  protocol = \(proto)", "  type = login",
                "  user = $default_login_user",
            ]
        }
        return (lines + listeners + ["}"]).joined(separator: "\n")
    }

    /// passwd-file lines, `{PLAIN}` scheme.
    static func passwdFile(_ users: [DovecotServer.User]) throws -> String {
        try users.map { user in
            for field in [user.name, user.password] where field.contains(where: { $0 == ":" || $0.isNewline }) {
                throw DovecotServerError.invalidUser(field)
            }
            return "\(user.name):{PLAIN}\(user.password)\n"
        }.joined()
    }
}
