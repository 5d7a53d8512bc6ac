import Testing

@testable import MIME

struct AddressTests {
    static let cases: [(String, [Address])] = [
        ("alice@example.com", [Address(email: "alice@example.com")]),
        ("Alice <alice@example.com>", [Address(name: "Alice", email: "alice@example.com")]),
        ("\"Doe, John\" <john@example.com>, jane@example.com",
         [Address(name: "Doe, John", email: "john@example.com"), Address(email: "jane@example.com")]),
        ("\"Quote \\\"this\\\"\" <q@example.com>", [Address(name: "Quote \"this\"", email: "q@example.com")]),
        ("john@example.com (John Doe)", [Address(name: "John Doe", email: "john@example.com")]),
        ("John (the man) Doe <john@example.com> (work)", [Address(name: "John Doe", email: "john@example.com")]),
        ("Friends: a@example.com, B <b@example.com>;, c@example.com",
         [Address(email: "a@example.com"), Address(name: "B", email: "b@example.com"), Address(email: "c@example.com")]),
        ("undisclosed-recipients:;", []),
        ("", []),
        ("   ", []),
        ("<@relay1.example,@relay2.example:user@example.com>", [Address(email: "user@example.com")]),
        ("Route <@relay.example:user@example.com>", [Address(name: "Route", email: "user@example.com")]),
        ("=?UTF-8?Q?J=C3=B6rg?= <joerg@example.de>", [Address(name: "Jörg", email: "joerg@example.de")]),
        ("\"=?iso-8859-1?q?Ren=E9?=\" <rene@example.fr>", [Address(name: "René", email: "rene@example.fr")]),
        ("a@example.com; b@example.com", [Address(email: "a@example.com"), Address(email: "b@example.com")]),
        ("a@example.com,,, ,b@example.com", [Address(email: "a@example.com"), Address(email: "b@example.com")]),
        ("john . doe @ example . com", [Address(email: "john.doe@example.com")]),
        ("\"john doe\"@example.com", [Address(email: "\"john doe\"@example.com")]),
        ("user@[192.168.0.1]", [Address(email: "user@[192.168.0.1]")]),
        ("'Single Quoted' <s@example.com>", [Address(name: "Single Quoted", email: "s@example.com")]),
        ("Jörg Müller <jm@example.de>", [Address(name: "Jörg Müller", email: "jm@example.de")]),
        ("<>", []),
        ("root", [Address(email: "root")]),
        ("Undisclosed Recipients", []),
        ("garbage <<<>>> ,, \"unterminated <x@example.com>", []),
        ("Broken <broken@example.com", [Address(name: "Broken", email: "broken@example.com")]),
        ("Name Without Comma a@example.com", [Address(name: "Name Without Comma", email: "a@example.com")]),
        ("a@example.com b@example.com", [Address(email: "a@example.com"), Address(email: "b@example.com")]),
        ("(comment only)", []),
    ]

    @Test(arguments: cases)
    func parses(value: String, expected: [Address]) {
        #expect(Address.parseList(value) == expected)
    }

    @Test func garbageIsReportedNotThrown() {
        var problems: [String] = []
        let addresses = Address.parseList("Undisclosed Recipients, ok@example.com", problems: &problems)
        #expect(addresses == [Address(email: "ok@example.com")])
        #expect(problems.count == 1)
    }
}
