"""The HL7 v2 ADT intake: raw-message store, ACK rules, MLLP and HTTP transports."""
