variable "name" {
  description = "Name of the service client (also its subject's display name)."
  type        = string
  nullable    = false

  validation {
    # Characters as the API counts them (code points): length() counts grapheme clusters, so a
    # flag emoji would be one character to it and two to the API.
    condition     = length(regexall("(?s).", var.name)) >= 1 && length(regexall("(?s).", var.name)) <= 200
    error_message = "name must be 1 to 200 characters long."
  }
  validation {
    condition     = trimspace(var.name) == var.name
    error_message = "name must not start or end with whitespace."
  }
}

variable "description" {
  description = "Description of the client."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = length(regexall("(?s).", var.description)) <= 1000
    error_message = "description must be at most 1000 characters long."
  }
}

variable "allowed_scopes" {
  description = "OAuth scopes the client may request, e.g. [\"api\"]."
  type        = set(string)
  default     = ["api"]
  nullable    = false

  validation {
    condition     = length(var.allowed_scopes) > 0
    error_message = "allowed_scopes must hold at least one scope."
  }
}

variable "policies" {
  description = <<-EOT
    Policies granted to the client, keyed by a name of your choice: each an action (such as
    "banking.ais.read") on a scope ("/" or /<type>/<id> pairs such as "/subscriptions/123").
  EOT
  type = map(object({
    action = string
    scope  = string
  }))
  default  = {}
  nullable = false

  validation {
    condition = alltrue([
      # try: a null scope would fail length() with a message about the function, not the rule.
      for p in values(var.policies) : can(regex("^/$|^(/[A-Za-z0-9._~-]+/[A-Za-z0-9._~-]+)+$", p.scope)) && try(length(p.scope) <= 512, false)
    ])
    error_message = "Every policy scope must be \"/\" or /<type>/<id> pairs, such as \"/subscriptions/123\", of at most 512 characters."
  }
  validation {
    condition = alltrue([
      for p in values(var.policies) : can(regex("^[a-z0-9]+([_-][a-z0-9]+)*(\\.[a-z0-9]+([_-][a-z0-9]+)*)*$", p.action))
    ])
    error_message = "Every policy action must be dot-separated lower-case segments, such as \"banking.ais.read\"."
  }
  validation {
    # The action and scope are a grant's identity: two keys with the same pair would be one grant
    # declared twice, which fails the apply halfway.
    # jsonencode, which takes a null the rules above report, where a template would fail on it.
    condition     = length(distinct([for p in values(var.policies) : jsonencode([p.action, p.scope])])) == length(var.policies)
    error_message = "Every policy must grant a different action or scope: two keys hold the same pair."
  }
}

variable "secret_rotation" {
  description = <<-EOT
    Any string; changing it rotates the secret: the new secret is created (and, with
    verify_secret = true, checked) before the old one is deleted, in the same apply. Whatever
    holds the old secret must take the new one in that apply (from the client_secret output);
    see the module README. Feed it from a time_rotating resource or a release number.
  EOT
  type        = string
  default     = "1"
  nullable    = false

  validation {
    # It goes into the secret's description ("rotation <it>"), which the API caps at 200
    # characters (code points, not what length() counts).
    condition     = length(regexall("(?s).", var.secret_rotation)) <= 191
    error_message = "secret_rotation must be at most 191 characters long."
  }
}

variable "secret_expiration" {
  description = <<-EOT
    When the secret stops working (RFC 3339), or null for never. It must be in the future when
    a secret is created. Changed to a past instant, it fails the plan (the secret it replaces is
    kept); a new service's past one gets only a warning at plan time (so that an unchanged
    configuration still plans and destroys once the date has passed) and fails the apply, after
    the client and its policies are created. Move it on before it passes (see
    secret_renew_before).
  EOT
  type        = string
  default     = null

  validation {
    # RFC 3339 allows a lower-case "t" and "z", which formatdate does not.
    condition     = var.secret_expiration == null || can(formatdate("YYYY", upper(var.secret_expiration)))
    error_message = "secret_expiration must be an RFC 3339 timestamp such as \"2030-01-01T00:00:00Z\"."
  }
  validation {
    # The API writes it in UTC, where a later instant needs a fifth digit of year.
    condition     = var.secret_expiration == null || try(timecmp(upper(var.secret_expiration), "9999-12-31T23:59:59Z") <= 0, true)
    error_message = "secret_expiration must be no later than 9999-12-31T23:59:59Z once converted to UTC."
  }
}

variable "secret_renew_before" {
  description = <<-EOT
    A duration such as "720h": once secret_expiration is that close, the plan replaces the
    secret and warns. Move secret_expiration on with it, or the new secret is due at once as
    well. Once secret_expiration has passed, a new secret cannot be given it, so the plan keeps
    the expired secret and only warns until secret_expiration moves on (verify_secret = true
    fails the run instead). null (the default) never renews.
  EOT
  type        = string
  default     = null

  validation {
    # A positive Go duration, as the provider's renew_before takes it.
    condition = var.secret_renew_before == null || (
      # Every unit has a number before it. (A sum beyond what a Go duration holds, some 2.5
      # million hours, is left to the provider, which says so at plan time.)
      can(regex("^(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(h|m|s|ms|us|µs|ns))+$", var.secret_renew_before)) &&
      can(regex("[1-9]", var.secret_renew_before))
    )
    error_message = "secret_renew_before must be a positive duration such as \"720h\" or \"36h30m\"."
  }
}

variable "verify_secret" {
  description = <<-EOF
    Exchange the secret for an access token on every plan and apply, so a secret that does not
    work fails the run. Off by default: once a secret has expired, a plan that leaves it in place
    fails on it until the secret is rotated (a plan that replaces it waits for the new secret).
    It needs a secret whose value Terraform holds: one imported into the module has none (the
    API never shows a value again), and fails the plan, so rotate it (secret_rotation) first.
    An expired secret fails terraform destroy's plan too: destroy with -refresh=false, or set
    this to false first.
  EOF
  type        = bool
  default     = false
  nullable    = false
}
