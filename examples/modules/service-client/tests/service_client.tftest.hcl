# Native tests of the module, run against the bundled mock server (make tftest, or `make mock` and
# then `terraform test` with ARITMA_ENDPOINT, ARITMA_TOKEN_URL, ARITMA_CLIENT_ID and
# ARITMA_CLIENT_SECRET set). The provider is configured from those environment variables.

variables {
  name          = "tftest-orders"
  verify_secret = true # every apply below also proves the current secret works
  policies = {
    read_accounts = {
      action = "banking.ais.read"
      scope  = "/subscriptions/123"
    }
    manage_payments = {
      action = "banking.pis.manage"
      scope  = "/subscriptions/123/resource-groups/payments"
    }
  }
}

run "create" {
  command = apply

  assert {
    condition     = output.subject_id == "client-${output.client_id}"
    error_message = "subject_id is not client-<client_id>."
  }
  assert {
    condition     = length(output.client_secret) == 32
    error_message = "The generated secret is not 32 characters long."
  }
  assert {
    # The module's check is wired to this secret. (That a secret that does not work fails the
    # apply, before a rotation deletes the old one, is proven by the provider's
    # TestAccE2E_moduleRotation; the helper runs below exchange the secret themselves.)
    condition     = length(terraform_data.secret_works) == 1 && terraform_data.secret_works[0].triggers_replace == aritma_iam_client_secret.this.id
    error_message = "The secret check is not wired to the current secret."
  }
  assert {
    condition     = length(output.policy_ids) == 2
    error_message = "Expected two policies."
  }
  assert {
    condition = toset([for p in output.permissions : "${p.action} ${p.scope} ${p.granted_via}"]) == toset([
      "banking.ais.read /subscriptions/123 client-${output.client_id}",
      "banking.pis.manage /subscriptions/123/resource-groups/payments client-${output.client_id}",
    ])
    error_message = "The effective permissions are not exactly the two policies."
  }
}

# Read everything back through the provider's data sources, in a separate helper module.
run "inspect_after_create" {
  command = apply

  module {
    source = "./tests/inspect"
  }

  variables {
    client_id           = run.create.client_id
    client_secret       = run.create.client_secret
    expected_secret_ids = [run.create.secret_id]
    action              = "banking.pis.authorize" # granted through its parent, banking.pis.manage
    scope               = "/subscriptions/123/resource-groups/payments/accounts/1"
  }

  assert {
    condition     = output.name == "tftest-orders"
    error_message = "The client's name is wrong."
  }
  assert {
    condition     = output.secret_works
    error_message = "The client_secret output was not exchanged for a token."
  }
  assert {
    condition     = output.secrets_as_expected
    error_message = "The client does not hold exactly the one secret."
  }
  assert {
    condition     = output.allowed
    error_message = "banking.pis.manage on the resource group does not allow banking.pis.authorize below it."
  }
}

# Rotating: a new secret replaces the old one, and the client stays. (That the new secret is made
# and checked before the old one goes is proven by the provider's TestAccE2E_moduleRotation: a
# test here sees only the end state of each run.)
run "rotate_secret" {
  command = apply

  variables {
    secret_rotation = "2"
  }

  assert {
    condition     = length(output.client_secret) == 32
    error_message = "The rotated secret is not 32 characters long."
  }
  assert {
    condition     = length(terraform_data.secret_works) == 1 && terraform_data.secret_works[0].triggers_replace == aritma_iam_client_secret.this.id
    error_message = "The secret check is not wired to the rotated secret."
  }
}

run "inspect_after_rotation" {
  command = apply

  module {
    source = "./tests/inspect"
  }

  variables {
    client_id           = run.rotate_secret.client_id
    client_secret       = run.rotate_secret.client_secret
    previous_client_id  = run.inspect_after_create.client_id
    previous_secret_id  = run.inspect_after_create.secret_ids[0]
    expected_secret_ids = [run.rotate_secret.secret_id]
    action              = "banking.ais.read"
    scope               = "/subscriptions/999"
  }

  assert {
    condition     = output.client_kept
    error_message = "Rotating the secret replaced the client."
  }
  assert {
    condition     = output.secret_works
    error_message = "The rotated client_secret output was not exchanged for a token."
  }
  assert {
    condition     = output.secrets_as_expected && output.previous_secret_gone
    error_message = "Rotating did not replace the old secret with a new one."
  }
  assert {
    condition     = !output.allowed
    error_message = "A grant on /subscriptions/123 must not allow /subscriptions/999."
  }
}

# Removing a policy takes it out of the effective permissions.
run "drop_a_policy" {
  command = apply

  variables {
    secret_rotation = "2"
    policies = {
      read_accounts = {
        action = "banking.ais.read"
        scope  = "/subscriptions/123"
      }
    }
  }

  assert {
    condition     = [for p in output.permissions : p.action] == ["banking.ais.read"]
    error_message = "The dropped policy is still effective."
  }
}

# Renewal: with an expiration inside secret_renew_before, the next plan replaces the secret (a
# window of 100 years puts 2099 inside it); a window that does not reach it leaves the secret be.
# Each step is read back by the helper module, which compares with the step before.
run "set_expiration" {
  command = apply

  variables {
    secret_rotation   = "2"
    secret_expiration = "2099-01-01T00:00:00Z"
  }

  assert {
    condition     = aritma_iam_client_secret.this.expiration == "2099-01-01T00:00:00Z"
    error_message = "The secret does not have the new expiration."
  }
}

run "inspect_after_expiration" {
  command = apply

  module {
    source = "./tests/inspect"
  }

  variables {
    client_id           = run.set_expiration.client_id
    previous_secret_id  = run.inspect_after_rotation.secret_ids[0]
    expected_secret_ids = [run.set_expiration.secret_id]
    action              = "banking.ais.read"
    scope               = "/subscriptions/123"
  }

  assert {
    condition     = output.secrets_as_expected && output.previous_secret_gone
    error_message = "A new expiration did not replace the secret."
  }
  assert {
    condition     = output.expirations == tolist(["2099-01-01T00:00:00Z"])
    error_message = "The API does not hold the new expiration."
  }
}

run "renewal_due" {
  command = apply

  variables {
    secret_rotation     = "2"
    secret_expiration   = "2099-01-01T00:00:00Z"
    secret_renew_before = "876000h"
  }

  assert {
    condition     = aritma_iam_client_secret.this.renew_before == "876000h"
    error_message = "secret_renew_before did not reach the secret."
  }
  assert {
    condition     = length(terraform_data.secret_works) == 1 && terraform_data.secret_works[0].triggers_replace == aritma_iam_client_secret.this.id
    error_message = "The secret check is not wired to the current secret."
  }
}

run "inspect_after_renewal" {
  command = apply

  module {
    source = "./tests/inspect"
  }

  variables {
    client_id           = run.renewal_due.client_id
    previous_secret_id  = run.inspect_after_expiration.secret_ids[0]
    expected_secret_ids = [run.renewal_due.secret_id]
    action              = "banking.ais.read"
    scope               = "/subscriptions/123"
  }

  assert {
    condition     = output.secrets_as_expected && output.previous_secret_gone
    error_message = "A secret within secret_renew_before of its expiration was not renewed."
  }
}

run "renewal_not_due" {
  command = apply

  variables {
    secret_rotation     = "2"
    secret_expiration   = "2099-01-01T00:00:00Z"
    secret_renew_before = "720h"
  }
}

run "inspect_without_renewal" {
  command = apply

  module {
    source = "./tests/inspect"
  }

  variables {
    client_id = run.renewal_not_due.client_id
    # One id when the secret was kept; two, which the client cannot both hold, when it was not.
    expected_secret_ids = distinct([run.inspect_after_renewal.secret_ids[0], run.renewal_not_due.secret_id])
    action              = "banking.ais.read"
    scope               = "/subscriptions/123"
  }

  assert {
    condition     = output.secrets_as_expected
    error_message = "A secret far from its expiration was renewed."
  }
}

# The file ends with an apply of the module itself whose variables name no other run. OpenTofu
# (1.12) destroys what a file made with the variables of the last run of each state, evaluated
# against the outputs of those last runs only; when one names another run, it skips the clean-up
# without a word and leaves the client, its secret and its grants behind. (Terraform does not.)
run "unchanged" {
  command = apply

  variables {
    secret_rotation     = "2"
    secret_expiration   = "2099-01-01T00:00:00Z"
    secret_renew_before = "720h"
  }

  assert {
    condition     = aritma_iam_client_secret.this.renew_before == "720h" && length(terraform_data.secret_works) == 1 && terraform_data.secret_works[0].triggers_replace == aritma_iam_client_secret.this.id
    error_message = "Applying the same inputs again lost the secret or its check."
  }
}
