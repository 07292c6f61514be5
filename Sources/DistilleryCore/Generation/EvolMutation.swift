/// The ways seed expansion changes a seed prompt (Evol-Instruct's in-depth and in-breadth evolutions).
///
/// A seed-expansion task's `mutation` variable takes these as its categories: the value is the raw value (it
/// lands in each row's metadata), and the value's description, `{mutation.description}` in the template, is
/// the instruction. The instructions are written for today's chat models: they ask for the change itself, not
/// for a "#Rewritten Prompt#" form to fill in, and they leave language and self-containment to the system prompt.
public enum EvolMutation: String, Sendable, CaseIterable {
    case addConstraints = "add_constraints"
    case deepen
    case concretize
    case reasoning
    case breadth

    public var label: String {
        switch self {
        case .addConstraints: "Add constraints"
        case .deepen: "Deepen"
        case .concretize: "Make concrete"
        case .reasoning: "More reasoning steps"
        case .breadth: "New, rarer prompt"
        }
    }

    public var instruction: String {
        switch self {
        case .addConstraints:
            "Add one or two concrete constraints or requirements the answer must meet (a limit, a required format, "
                + "an audience, or a special case to handle), so the task becomes harder while its subject stays the "
                + "same. Add no more than about 20 words."
        case .deepen:
            "Ask for more depth: where the prompt asks about something, also ask why it works that way, what it "
                + "trades off, or how it fails in unusual cases, so that a good answer needs real expertise."
        case .concretize:
            "Replace general ideas with specific ones: name a concrete situation, realistic numbers, people, "
                + "products or data, so the prompt reads like a real request from a real person."
        case .reasoning:
            "Change the prompt so that answering it takes several explicit steps of reasoning (for example working "
                + "out an intermediate result, comparing options, or checking a condition before concluding) "
                + "instead of recalling a single fact."
        case .breadth:
            "Write a brand-new prompt in the same domain as the seed about a rarer, less common topic or case, "
                + "of similar length and difficulty. It must not be a rewording of the seed."
        }
    }
}
