/// What to do with the files `prepare` wrote, in order, for a person at a root shell. The steps
/// themselves are each hypervisor's (`HypervisorProfile.nextSteps`).
public enum NextSteps {
    /// `outDir`: where the files lie (named in the text); nil says "the output folder".
    /// `romPath`: where the ROM will live on the VM host when it was named (`--rom-path`).
    public static func text(target: PassthroughTarget, card: PassthroughCard, outDir: String? = nil, romPath: String? = nil,
                            hasROM: Bool = true) -> String {
        let dir = outDir ?? "the output folder"
        return text(target.profile.nextSteps(card, outDir: dir, romPath: romPath, hasROM: hasROM), target: target, card: card)
    }

    /// `steps` numbered under a heading naming the card and the target (`Preparation.Plan.steps`).
    public static func text(_ steps: [String], target: PassthroughTarget, card: PassthroughCard) -> String {
        let rom = card.romFunction
        var out = "Next steps for \(rom.address) (\(rom.pciIDs)) with \(target.rawValue):\n"
        for (i, step) in steps.enumerated() { out += "  \(i + 1). \(step)\n" }
        return out
    }

    /// The step that puts the ROM where the configs name it, when that is not where it was written.
    public static func copy(dir: String, name: String, to romPath: String?) -> [String] {
        guard let romPath, romPath != dir + "/" + name else { return [] }
        return ["Copy \(dir)/\(name) to \(romPath), where the configuration names it: `install -D -m 0644 \(dir)/\(name) \(romPath)`."]
    }
}
