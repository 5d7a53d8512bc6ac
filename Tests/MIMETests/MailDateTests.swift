import Testing

@testable import MIME

struct MailDateTests {
    // 2006-01-02 15:04:05 UTC
    static let reference: Int64 = 1_136_214_245

    static let cases: [(String, Int64?)] = [
        ("Mon, 02 Jan 2006 15:04:05 +0000", reference),
        ("Mon, 2 Jan 2006 15:04:05 +0000", reference),
        ("02 Jan 2006 15:04:05 +0000", reference),
        ("Mon, 02 Jan 2006 08:04:05 -0700", reference),
        ("Mon, 02 Jan 2006 16:04:05 +0100 (CET)", reference),
        ("Mon,   02  Jan   2006   15:04:05   GMT", reference),
        ("Mon, 02 Jan 2006 15:04:05 UT", reference),
        ("Mon, 02 Jan 2006 15:04:05 UTC", reference),
        ("Mon, 02 Jan 2006 10:04:05 EST", reference),
        ("Mon, 02 Jan 2006 11:04:05 EDT", reference),
        ("Mon, 02 Jan 2006 07:04:05 PST", reference),
        ("Mon, 02 Jan 2006 15:04:05 Z", reference),
        ("Mon, 02 Jan 2006 15:04:05", reference),
        ("Mon, 02 Jan 06 15:04:05 +0000", reference),
        ("Mon, 02 Jan 106 15:04:05 +0000", reference),
        ("Mon, 02 Jan 2006 15:04 +0000", reference - 5),
        ("Mon (Monday), 02 (day) Jan (month) 2006 15:04:05 (time) +0000 (zone)", reference),
        ("Mon, 02 Jan 2006 15 : 04 : 05 +0000", reference),
        ("Mon Jan  2 15:04:05 2006", reference),
        ("Mon Jan 2 07:04:05 PST 2006", reference),
        ("2006-01-02T15:04:05Z", reference),
        ("2006-01-02 16:04:05 +01:00", reference),
        ("Monday, 02-Jan-2006 15:04:05 GMT", reference),
        ("2 January 2006 15:04:05 +0000", reference),
        ("Mon, 02 Jan 2006 15:04:05.123 +0000", reference),
        ("Mon, 02 Jan 2006 03:04:05 PM +0000", reference),
        ("Thu, 01 Jan 1970 00:00:00 +0000", 0),
        ("Wed, 31 Dec 1969 23:59:59 +0000", -1),
        ("Tue, 29 Feb 2000 00:00:00 +0000", 951_782_400),
        ("Fri, 31 Dec 1999 23:59:60 +0000", 946_684_800),
        ("Mon, 02 Jan 2006 15:04:05 +9999", reference),
        ("", nil),
        ("garbage", nil),
        ("yesterday at noon", nil),
        ("Mon, 30 Feb 2006 15:04:05 +0000", nil),
        ("Mon, 02 Foo 2006 15:04:05 +0000", nil),
        ("Mon, 02 Jan 2006 25:04:05 +0000", nil),
        ("12", nil),
        ("02 Jan", nil),
    ]

    @Test(arguments: cases)
    func parses(text: String, expected: Int64?) {
        #expect(MailDate.parse(text) == expected)
    }
}
