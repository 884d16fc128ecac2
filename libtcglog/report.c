/* placeholder: see include/tcglog/report.h */
#include "tcglog/error.h"
