#include "occi_entity_json.h"
