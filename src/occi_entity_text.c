#include "occi_entity_text.h"
