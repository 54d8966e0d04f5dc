# policies (rl-tiers): see below.
