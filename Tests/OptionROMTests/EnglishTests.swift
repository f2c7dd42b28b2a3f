import OptionROM
import Testing

/// "a" or "an" by how the word is spoken, for messages built from names (issue 26: "a Intel ROM").
@Suite struct EnglishTests {
    @Test(arguments: [("Intel", "an"), ("AMD", "an"), ("NVIDIA", "an"), ("X64", "an"), ("EBC", "an"), ("IA32", "an"),
                      ("AArch64", "an"), ("ARM", "an"), ("8086", "an"), ("8192-byte", "an"), ("11-bit", "an"), ("18", "an"),
                      ("PE32+", "a"), ("TE", "a"), ("10de", "a"), ("1002", "a"), ("65536-byte", "a"), ("RISC-V64", "a"),
                      ("LoongArch64", "a"), ("ROM", "a"), ("SATA", "a"), ("unknown", "an"), ("110-byte", "a"), ("", "a")])
    func article(word: String, expected: String) {
        #expect(English.article(for: word) == expected, "\(word)")
    }
}
