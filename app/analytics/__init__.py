"""Journey analytics: what the widget saw, and the funnel and KPIs computed from the profile."""
