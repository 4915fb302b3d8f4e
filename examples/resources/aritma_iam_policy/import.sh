# A policy has no id of its own: it is imported by "<subject>,<action>,<scope>" (its `id`).
# Quoting the id keeps a shell from reading a character of it (a space, "*", "$") as its own.
terraform import aritma_iam_policy.reporting_reads_consents 'client-3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b,banking.consents.read,/subscriptions/123/resource-groups/my-company'
