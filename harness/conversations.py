"""Conversations over the bundled corpus that the serving tests and the soak benchmark run."""

# Two-turn conversations: (question, words the answer must hold); the second turn is a follow-up.
CONVERSATIONS = [
    [("Who ordered the strikes on militia facilities in eastern Syria?", "Biden"), ("What did Russia say about the US strikes?", "condemn")],
    [("Who is Igor Konashenkov?", "Konashenkov"), ("What did he threaten to do?", "suppressed with all military means")],
    [("Which Russian spokeswoman said Russia strongly condemns the US attack?", "Zakharova"), ("What did Peskov urge the parties to do?", "de-escalate")],
    [
        ("Which militia groups used the facilities targeted by the strikes?", "Kata'ib Hezbollah"),
        ("Who gave the go-ahead for the retaliation against Iran?", "Biden"),
    ],
]

# The corpus does not say: the answer must be a refusal.
UNANSWERABLE = [("Who won the 2022 FIFA World Cup?", None)]
