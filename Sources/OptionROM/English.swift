/// Small pieces of English that messages built from names need.
public enum English {
    /// "a" or "an" before `word`, by how it is spoken: "an Intel ROM", "an NVIDIA ROM", "an X64
    /// driver", "an 8192-byte BAR", "a PE32+", "a 10de card", "a RISC-V64 driver".
    public static func article(for word: String) -> String {
        guard let first = word.first else { return "a" }
        if "aeiouAEIOU".contains(first) { return "an" }
        // Numbers: eight, eighty, eleven, eighteen (and 8xx, 11xxx, 18xxx read the same way).
        let digits = word.prefix { $0.isNumber }
        if let d = digits.first {
            if d == "8" { return "an" }
            if (digits.count == 2 || digits.count == 5) && (digits.hasPrefix("11") || digits.hasPrefix("18")) { return "an" }
            return "a"
        }
        // A letter said by its name (eff, aitch, ell, em, en, ar, ess, ex) before digits: "an X64
        // driver"; NVIDIA is said "en-vidia". Other capitals are read as words ("a ROM", "a RISC-V64").
        let letters = word.prefix { $0.isLetter }
        if letters == "NVIDIA" { return "an" }
        if letters.count == 1, word.dropFirst().first?.isNumber == true, "FHLMNRSX".contains(first) { return "an" }
        return "a"
    }

    /// `word` after its article: "an Intel".
    public static func withArticle(_ word: String) -> String { article(for: word) + " " + word }
}
