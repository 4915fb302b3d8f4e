// Package iam is a typed client for the Aritma IAM API (/v1 on the IAM host) and its OAuth 2.0
// token endpoint.
//
// It owns everything about talking HTTP to Aritma: authentication (client credentials or a static
// token), a pooled transport, retries that never repeat a create the server may already have
// applied, RFC 7807 error decoding into *APIError, and iterators that follow every page of the
// two list envelopes. It deliberately has no Terraform imports so that it can be tested, reused
// and reasoned about on its own.
package iam
