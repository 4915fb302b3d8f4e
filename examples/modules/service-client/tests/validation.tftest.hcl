# Input validation fails at plan time, before anything is created.

run "empty_name" {
  command = plan

  variables {
    name = ""
  }

  expect_failures = [var.name]
}

run "padded_name" {
  command = plan

  variables {
    name = " orders "
  }

  expect_failures = [var.name]
}

run "bad_scope" {
  command = plan

  variables {
    name = "tftest-validation"
    policies = {
      bad = {
        action = "banking.ais.read"
        scope  = "subscriptions/123"
      }
    }
  }

  expect_failures = [var.policies]
}

run "bad_action" {
  command = plan

  variables {
    name = "tftest-validation"
    policies = {
      bad = {
        action = "Banking.Read"
        scope  = "/"
      }
    }
  }

  expect_failures = [var.policies]
}

run "no_scopes" {
  command = plan

  variables {
    name           = "tftest-validation"
    allowed_scopes = []
  }

  expect_failures = [var.allowed_scopes]
}
