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

run "long_secret_rotation" {
  command = plan

  variables {
    name            = "tftest-validation"
    secret_rotation = join("", [for i in range(192) : "x"])
  }

  expect_failures = [var.secret_rotation]
}

# Characters as the API counts them: 96 flags are 96 to length() but 192 code points.
run "long_secret_rotation_in_code_points" {
  command = plan

  variables {
    name            = "tftest-validation"
    secret_rotation = join("", [for i in range(96) : "🇳🇴"])
  }

  expect_failures = [var.secret_rotation]
}

# The longest name the API accepts plans cleanly: nothing the module derives from it is longer.
run "longest_name" {
  command = plan

  variables {
    name            = join("", [for i in range(200) : "n"])
    secret_rotation = join("", [for i in range(191) : "r"])
  }
}

# Two keys granting the same action on the same scope would be one grant declared twice.
run "duplicate_policies" {
  command = plan

  variables {
    name = "tftest-validation"
    policies = {
      read  = { action = "banking.ais.read", scope = "/subscriptions/1" }
      again = { action = "banking.ais.read", scope = "/subscriptions/1" }
    }
  }

  expect_failures = [var.policies]
}

# RFC 3339 allows a lower-case "t" and "z", as the provider does.
run "lower_case_expiration" {
  command = plan

  variables {
    name              = "tftest-validation"
    secret_expiration = "2099-01-01t00:00:00z"
  }
}

# null for an optional input means its default, as if it were left out (nullable = false).
run "null_description_is_the_default" {
  command = plan

  variables {
    name        = "tftest-validation"
    description = null
  }

  assert {
    condition     = aritma_iam_client.this.description == ""
    error_message = "A null description did not fall back to the default \"\"."
  }
}

run "bad_renew_before" {
  command = plan

  variables {
    name                = "tftest-validation"
    secret_renew_before = "30d"
  }

  expect_failures = [var.secret_renew_before]
}

run "zero_renew_before" {
  command = plan

  variables {
    name                = "tftest-validation"
    secret_renew_before = "0h"
  }

  expect_failures = [var.secret_renew_before]
}

# Every unit needs a number before it, as a Go duration does.
run "renew_before_unit_without_number" {
  command = plan

  variables {
    name                = "tftest-validation"
    secret_renew_before = "h1s"
  }

  expect_failures = [var.secret_renew_before]
}

run "renew_before_with_fraction" {
  command = plan

  variables {
    name                = "tftest-validation"
    secret_renew_before = "1.5h"
  }
}

# 30 days in seconds: any number of digits, as a Go duration takes it.
run "renew_before_in_seconds" {
  command = plan

  variables {
    name                = "tftest-validation"
    secret_renew_before = "2592000s"
  }
}

# The API writes the expiration in UTC, where this one needs a fifth digit of year.
run "expiration_after_year_9999_in_utc" {
  command = plan

  variables {
    name              = "tftest-validation"
    secret_expiration = "9999-12-31T23:59:59-01:00"
  }

  expect_failures = [var.secret_expiration]
}

run "scope_too_long" {
  command = plan

  variables {
    name     = "tftest-validation"
    policies = { long = { action = "banking.ais.read", scope = "/subscriptions/${join("", [for i in range(600) : "1"])}" } }
  }

  expect_failures = [var.policies]
}

# A null action or scope (the object type allows one) fails the input's rules, not a function
# call inside them.
run "null_scope" {
  command = plan

  variables {
    name     = "tftest-validation"
    policies = { bad = { action = "banking.ais.read", scope = null } }
  }

  expect_failures = [var.policies]
}

run "null_action" {
  command = plan

  variables {
    name     = "tftest-validation"
    policies = { bad = { action = null, scope = "/" } }
  }

  expect_failures = [var.policies]
}
