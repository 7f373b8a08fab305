"""Every table of Jiuzhu registered on ``Base.metadata``: a migration test compares the migrated database with all
the models, whichever test modules ran before it (run alone, a module would otherwise know only its own)."""

from jiuzhu.accounts import models as _accounts  # noqa: F401
from jiuzhu.audit import models as _audit  # noqa: F401
from jiuzhu.casework import models as _casework  # noqa: F401
from jiuzhu.consent import models as _consent  # noqa: F401
from jiuzhu.db import Base
from jiuzhu.discovery import models as _discovery  # noqa: F401
from jiuzhu.jobs import models as _jobs  # noqa: F401
from jiuzhu.payroll import models as _payroll  # noqa: F401
from jiuzhu.registry import models as _registry  # noqa: F401
from jiuzhu.verification import models as _verification  # noqa: F401

METADATA = Base.metadata
