/// Fictional people, subjects and prose the corpus generators draw from. Addresses use example.com,
/// example.org and example.net only.
enum CorpusVocabulary {
    struct Person {
        var display: String
        var address: String
    }

    static let people: [Person] = [
        Person(display: "Alice Martin", address: "alice@example.com"),
        Person(display: "Bob Okafor", address: "bob@example.com"),
        Person(display: "Carol Nguyen", address: "carol.nguyen@example.org"),
        Person(display: "Dmitri Volkov", address: "dmitri@example.net"),
        Person(display: "Erin O'Brien", address: "erin.obrien@example.org"),
        Person(display: "Farah Haddad", address: "farah@example.com"),
        Person(display: "Gustavo Lima", address: "g.lima@example.net"),
        Person(display: "Hana Sato", address: "hana.sato@example.org"),
        Person(display: "Ivan Petrov", address: "ivan@example.net"),
        Person(display: "Julia Schmidt", address: "julia.schmidt@example.com"),
        Person(display: "Kwame Mensah", address: "kwame@example.org"),
        Person(display: "Lena Fischer", address: "lena@example.com"),
        Person(display: "Build Bot", address: "ci-noreply@example.com"),
        Person(display: "Example Newsletter", address: "news@lists.example.org"),
    ]

    /// Display names that need RFC 2047 encoding: (decoded, encoded word).
    static let encodedNames: [(decoded: String, encoded: String)] = [
        ("Jörg Müller", "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?="),
        ("Zoë Durand", "=?ISO-8859-1?Q?Zo=EB_Durand?="),
        ("Иван Петров", "=?UTF-8?B?0JjQstCw0L0g0J/QtdGC0YDQvtCy?="),
        ("山田太郎", "=?UTF-8?B?5bGx55Sw5aSq6YOO?="),
    ]

    /// Subjects that need RFC 2047 encoding: (decoded, encoded words, folded over two lines).
    static let encodedSubjects: [(decoded: String, encoded: String)] = [
        ("Grüße aus Köln", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="),
        ("Отчёт за квартал", "=?UTF-8?B?0J7RgtGH0ZHRgiDQt9CwINC60LLQsNGA0YLQsNC7?="),
        ("Café meeting ☕ tomorrow", "=?UTF-8?B?Q2Fmw6kgbWVldGluZyDimJUgdG9tb3Jyb3c=?="),
        ("日本語の件名", "=?ISO-2022-JP?B?GyRCRnxLXDhsJE43b0w+GyhC?="),
    ]

    static let subjects: [String] = [
        "Quarterly planning notes", "Re: Lunch on Thursday?", "Invoice 2024-0317", "Your build #4812 passed",
        "Fwd: Conference travel booking", "Minutes from the design review", "Re: Re: Database migration window",
        "Holiday rota", "Question about the API limits", "Welcome to the project", "Weekly digest",
        "Draft: press release", "Reminder: submit expenses", "New comment on issue 231", "Photos from the offsite",
        "Re: contract renewal", "Server maintenance on Saturday", "Can you review this?", "Team dinner",
        "Updated roadmap", "Re: broken link on the website", "Your subscription", "Agenda for Monday",
    ]

    static let sentences: [String] = [
        "Thanks for sending this over so quickly.",
        "I have attached the latest version of the document for your review.",
        "Could we move the meeting to Thursday afternoon instead?",
        "The numbers for the third quarter look better than expected.",
        "Please let me know if anything is unclear or missing.",
        "We still need a decision on the hosting provider before the end of the month.",
        "I spoke with the team and everyone agrees with the proposal.",
        "The migration ran overnight and finished without errors.",
        "There is a small typo in the second paragraph of the summary.",
        "Let's keep the scope small for the first release and iterate from there.",
        "The venue can hold forty people, so we have some room to spare.",
        "I will be out of the office next week with limited access to email.",
        "Our backup job now keeps thirty days of history.",
        "Can you confirm the delivery address for the equipment?",
        "The draft budget is in the shared folder under Finance.",
        "We should document the rollback procedure before Friday.",
        "Apologies for the late reply, the last few days were busy.",
        "The customer asked whether the export can include attachments.",
        "I added a few comments inline; nothing blocking.",
        "See you at the station at half past eight.",
        "The printer on the second floor is working again.",
        "If we start on Monday we can finish before the holidays.",
        "Here is the summary of what we discussed on the call.",
        "The tests pass on every platform except the oldest one.",
    ]

    static let attachmentKinds: [(filename: String, contentType: String)] = [
        ("report.pdf", "application/pdf"), ("photo.jpg", "image/jpeg"),
        (
            "slides.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        ),
        ("data.zip", "application/zip"), ("scan.png", "image/png"),
        (
            "budget.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ),
    ]
}
