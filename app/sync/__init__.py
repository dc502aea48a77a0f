"""Email-platform sync: Klaviyo and Mailchimp get the same code, segments and suppressions."""
