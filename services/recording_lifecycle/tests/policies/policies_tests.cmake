# policies tests (rl-tiers).
