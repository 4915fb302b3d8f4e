# A client secret is imported by "<client_id>/<secret_id>" (its `id`). The API never returns a
# secret's value, so an imported secret has a null `value`: a configuration that sets neither
# `value` nor `value_wo` then plans no change, while setting either replaces the secret (the
# provider cannot tell whether the value given is the one the secret has, so it makes it so; add
# create_before_destroy to keep the old secret until the new one exists). To move a secret managed
# with `value_wo` to another configuration without a new secret, move its state rather than
# importing it: `terraform state mv -state=<from> -state-out=<to>` on local files (pulled and
# pushed with `terraform state pull` and `push` for a remote backend) keeps `value_wo_version`.
terraform import aritma_iam_client_secret.example 3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b/9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a
