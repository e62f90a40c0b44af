"""Partner adapters: 311, crisis lines, mobile-crisis teams, homelessness counts and community sites.

Each adapter reads one export format into a canonical partner table from `altresponse.schema` and
accounts for every input record: it is in the table or in the rejects, and
records_in = records_out + rows_rejected + duplicates_dropped (checked by `PartnerIngest.check()`).
Unknown codes are counted per field, never guessed. Reading is here; writing is `write_partner`.
"""

from altresponse.sources.partners.common import PartnerIngest, write_partner
from altresponse.sources.partners.registry import PARTNER_SOURCES, read_partner

__all__ = ["PARTNER_SOURCES", "PartnerIngest", "read_partner", "write_partner"]
