import Core

extension AdvisedText {
    /// Whether the text holds `s` (its steps in their neutral form): for a test checking a fact a
    /// message names (an address, a size); steps are checked as values (`steps`).
    public func contains(_ s: String) -> Bool { description.contains(s) }
}
