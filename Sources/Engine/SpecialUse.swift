/// The RFC 6154 folder uses that replay maps automatically, with the names servers give such folders
/// when they do not mark them.
public enum SpecialUse: String, Sendable, Hashable, CaseIterable, Codable {
    case sent = "\\Sent"
    case drafts = "\\Drafts"
    case trash = "\\Trash"
    case junk = "\\Junk"
    case archive = "\\Archive"

    /// The use named by a LIST attribute (any case), if it is one automap handles. `\All` is not:
    /// mapping Gmail's All Mail onto an archive folder would copy every message a second time.
    public init?(attribute: String?) {
        guard let attribute else { return nil }
        guard let use = Self.allCases.first(where: { $0.rawValue.lowercased() == attribute.lowercased() }) else {
            return nil
        }
        self = use
    }

    /// The use a folder's name suggests, matched case-insensitively on its whole logical name (levels
    /// joined with `/`, no namespace prefix): "Sent Items", "[Gmail]/Sent Mail", "Junk E-mail".
    public init?(knownName: String) {
        let key = knownName.lowercased()
        guard let use = Self.allCases.first(where: { $0.knownNames.contains { $0.lowercased() == key } }) else {
            return nil
        }
        self = use
    }

    /// What a new folder of this use is called when the destination has none.
    public var defaultName: String { knownNames[0] }

    /// Names seen on Dovecot, Cyrus, Courier, Exchange / Microsoft 365, Gmail, Yahoo, Apple Mail and
    /// Thunderbird, in English and the common localisations, the most usual first.
    public var knownNames: [String] {
        switch self {
        case .sent:
            [
                "Sent", "Sent Items", "Sent Messages", "Sent Mail", "Sent-Mail", "[Gmail]/Sent Mail",
                "[Google Mail]/Sent Mail", "Gesendet", "Gesendete Objekte", "Gesendete Elemente", "Envoyés",
                "Éléments envoyés", "Enviados", "Elementos enviados", "Inviati", "Posta inviata", "Verzonden",
                "Verzonden items", "Отправленные",
            ]
        case .drafts:
            [
                "Drafts", "Draft", "[Gmail]/Drafts", "[Google Mail]/Drafts", "Entwürfe", "Brouillons", "Borradores",
                "Bozze", "Concepten", "Черновики",
            ]
        case .trash:
            [
                "Trash", "Deleted Items", "Deleted Messages", "Deleted", "Bin", "[Gmail]/Trash", "[Gmail]/Bin",
                "[Google Mail]/Trash", "[Google Mail]/Bin", "Papierkorb", "Gelöschte Objekte", "Gelöschte Elemente",
                "Corbeille", "Éléments supprimés", "Papelera", "Elementos eliminados", "Cestino", "Posta eliminata",
                "Prullenbak", "Verwijderde items", "Корзина", "Удаленные",
            ]
        case .junk:
            [
                "Junk", "Junk E-mail", "Junk Email", "Junk Mail", "Junk-E-Mail", "Spam", "Bulk Mail", "[Gmail]/Spam",
                "[Google Mail]/Spam", "Spamverdacht", "Courrier indésirable", "Correo no deseado",
                "Posta indesiderata", "Ongewenste e-mail", "Спам",
            ]
        case .archive:
            ["Archive", "Archives", "Archiv", "Archivo", "Archivio", "Archief", "Архив"]
        }
    }
}
