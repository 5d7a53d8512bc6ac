import MailCore
import Testing

struct SHA256HasherTests {
    @Test func knownVectors() {
        #expect(SHA256Hasher.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Hasher.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func streamingEqualsOneShot() {
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hasher = SHA256Hasher()
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 1 + offset % 977)
            hasher.update(bytes[offset..<end])
            offset = end
        }
        #expect(hasher.finalize() == SHA256Hasher.hash(bytes))
    }
}
