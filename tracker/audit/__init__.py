"""The social audit: civil-society observations with their rating, the government's
answers, the secretariat's hiding of abusive ones, the contested rule, what auditors follow
and their weekly digest of public changes."""
