/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The standard categories: OCCI Core (GFD.221) and OCCI Infrastructure
 * (GFD.224). They are static data; occi_model_add_standard() registers them.
 *
 * The documents give multiplicities, not "required" flags. Following the
 * project's reading, a mutable attribute of multiplicity 1 is required on
 * create unless it has a default, and an immutable one is set by the server.
 */
#include <stddef.h>

#include "occi_model.h"

#define INFRA_COMPUTE_ACTION "http://schemas.ogf.org/occi/infrastructure/compute/action#"
#define INFRA_STORAGE_ACTION "http://schemas.ogf.org/occi/infrastructure/storage/action#"
#define INFRA_NETWORK_ACTION "http://schemas.ogf.org/occi/infrastructure/network/action#"
#define INFRA_NETWORK_MIXIN  "http://schemas.ogf.org/occi/infrastructure/network#"
#define INFRA_NETIF_MIXIN    "http://schemas.ogf.org/occi/infrastructure/networkinterface#"
#define INFRA_CREDENTIALS    "http://schemas.ogf.org/occi/infrastructure/credentials#"
#define INFRA_COMPUTE_MIXIN  "http://schemas.ogf.org/occi/infrastructure/compute#"

#define N(array) ((int)(sizeof(array) / sizeof((array)[0])))

/* Shorthands that keep the tables readable: name, type, mutable, required,
 * default, enumeration, description. */
#define ATTR(name, type, mut, req, def, enumeration, desc) \
    { name, type, mut, req, def, enumeration, 0, 0, 0, desc, 0 }
#define ATTR_RANGE(name, mut, req, def, lo, hi, desc) \
    { name, OCCI_TYPE_INTEGER, mut, req, def, NULL, 1, lo, hi, desc, 0 }
#define ATTR_SIZE(name, mut, req, def, desc) \
    { name, OCCI_TYPE_FLOAT, mut, req, def, NULL, 0, 0, 0, desc, 1 }

static const char *const link_states[] = { "active", "inactive", "error", NULL };
static const char *const compute_states[] = { "active", "inactive", "suspended", "error", NULL };
static const char *const storage_states[] = { "online", "offline", "error", NULL };
static const char *const architectures[] = { "x86", "x64", NULL };
static const char *const allocations[] = { "dynamic", "static", NULL };
static const char *const stop_methods[] = { "graceful", "acpioff", "poweroff", NULL };
static const char *const restart_methods[] = { "graceful", "warm", "cold", NULL };
static const char *const suspend_methods[] = { "hibernate", "suspend", NULL };
static const char *const save_methods[] = { "hot", "deferred", NULL };

static const char *const applies_compute[] = { OCCI_SCHEME_INFRA "compute", NULL };
static const char *const applies_network[] = { OCCI_SCHEME_INFRA "network", NULL };
static const char *const applies_netif[] = { OCCI_SCHEME_INFRA "networkinterface", NULL };

/* ---- Core ---------------------------------------------------------- */

static const occi_attribute_def entity_attributes[] = {
    ATTR("occi.core.id", OCCI_TYPE_STRING, 0, 0, NULL, NULL,
         "Identifier of the entity, a URN (urn:uuid:...) assigned by the server"),
    ATTR("occi.core.title", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "Display name of the entity"),
};

static const occi_attribute_def resource_attributes[] = {
    ATTR("occi.core.summary", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "Short description of the resource"),
};

static const occi_attribute_def link_attributes[] = {
    ATTR("occi.core.source", OCCI_TYPE_STRING, 1, 1, NULL, NULL,
         "Location of the resource the link starts from"),
    ATTR("occi.core.target", OCCI_TYPE_STRING, 1, 1, NULL, NULL,
         "URI of the link's target, local or remote"),
    ATTR("occi.core.source.kind", OCCI_TYPE_STRING, 0, 0, NULL, NULL,
         "Kind of the source resource, implied by the source"),
    ATTR("occi.core.target.kind", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "Kind of the target, when known"),
};

/* GFD.223 gives the abstract Entity no location, but clients that check
 * the model (rOCCI-core's schema) want one on every kind: its collection
 * holds entities of exactly that kind, and there are none. */
static const occi_category core_entity = {
    OCCI_CLASS_KIND, OCCI_SCHEME_CORE, "entity", "Entity", "/entity/", NULL, NULL, NULL,
    entity_attributes, N(entity_attributes), NULL, 0
};

static const occi_category core_resource = {
    OCCI_CLASS_KIND, OCCI_SCHEME_CORE, "resource", "Resource", "/resource/",
    OCCI_SCHEME_CORE "entity", NULL, NULL,
    resource_attributes, N(resource_attributes), NULL, 0
};

static const occi_category core_link = {
    OCCI_CLASS_KIND, OCCI_SCHEME_CORE, "link", "Link", "/link/",
    OCCI_SCHEME_CORE "entity", NULL, NULL,
    link_attributes, N(link_attributes), NULL, 0
};

/* ---- Compute ------------------------------------------------------- */

static const occi_attribute_def compute_attributes[] = {
    ATTR("occi.compute.architecture", OCCI_TYPE_STRING, 1, 0, NULL, architectures,
         "CPU architecture of the instance"),
    ATTR_RANGE("occi.compute.cores", 1, 0, "1", 1, 1024,
               "Number of virtual CPU cores"),
    ATTR("occi.compute.hostname", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "Fully qualified host name of the instance"),
    ATTR_RANGE("occi.compute.share", 1, 0, NULL, 0, 262144,
               "Relative CPU share of the instance"),
    ATTR_SIZE("occi.compute.memory", 1, 0, "1.0",
         "Memory of the instance in GiB"),
    ATTR("occi.compute.state", OCCI_TYPE_STRING, 0, 0, "inactive", compute_states,
         "Current state of the instance"),
    ATTR("occi.compute.state.message", OCCI_TYPE_STRING, 0, 0, NULL, NULL,
         "Human-readable explanation of the current state"),
};

static const char *const compute_actions[] = {
    INFRA_COMPUTE_ACTION "start", INFRA_COMPUTE_ACTION "stop",
    INFRA_COMPUTE_ACTION "restart", INFRA_COMPUTE_ACTION "suspend",
    INFRA_COMPUTE_ACTION "save", NULL
};

static const occi_category infra_compute = {
    OCCI_CLASS_KIND, OCCI_SCHEME_INFRA, "compute", "Compute Resource", "/compute/",
    OCCI_SCHEME_CORE "resource", NULL, NULL,
    compute_attributes, N(compute_attributes), compute_actions, 0
};

static const occi_attribute_def stop_parameters[] = {
    ATTR("method", OCCI_TYPE_STRING, 1, 0, "graceful", stop_methods,
         "graceful or acpioff: ask the guest to shut down; poweroff: cut the power"),
};
static const occi_attribute_def restart_parameters[] = {
    ATTR("method", OCCI_TYPE_STRING, 1, 0, "graceful", restart_methods,
         "graceful or warm: reboot through the guest; cold: reset the machine"),
};
static const occi_attribute_def suspend_parameters[] = {
    ATTR("method", OCCI_TYPE_STRING, 1, 0, "suspend", suspend_methods,
         "suspend: pause in memory; hibernate: save the memory to disk and stop"),
};
static const occi_attribute_def save_parameters[] = {
    ATTR("method", OCCI_TYPE_STRING, 1, 0, "hot", save_methods,
         "hot: copy while running; deferred: copy at the next stop"),
    ATTR("name", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "Title of the OS template the copy becomes"),
};

static const occi_category compute_start = {
    OCCI_CLASS_ACTION, INFRA_COMPUTE_ACTION, "start", "Start the compute instance",
    NULL, NULL, NULL, NULL, NULL, 0, NULL, 0
};
static const occi_category compute_stop = {
    OCCI_CLASS_ACTION, INFRA_COMPUTE_ACTION, "stop", "Stop the compute instance",
    NULL, NULL, NULL, NULL, stop_parameters, N(stop_parameters), NULL, 0
};
static const occi_category compute_restart = {
    OCCI_CLASS_ACTION, INFRA_COMPUTE_ACTION, "restart", "Restart the compute instance",
    NULL, NULL, NULL, NULL, restart_parameters, N(restart_parameters), NULL, 0
};
static const occi_category compute_suspend = {
    OCCI_CLASS_ACTION, INFRA_COMPUTE_ACTION, "suspend", "Suspend the compute instance",
    NULL, NULL, NULL, NULL, suspend_parameters, N(suspend_parameters), NULL, 0
};
static const occi_category compute_save = {
    OCCI_CLASS_ACTION, INFRA_COMPUTE_ACTION, "save",
    "Save a copy of the compute instance as a new OS template",
    NULL, NULL, NULL, NULL, save_parameters, N(save_parameters), NULL, 0
};

/* ---- Storage ------------------------------------------------------- */

static const occi_attribute_def storage_attributes[] = {
    ATTR_SIZE("occi.storage.size", 1, 1, NULL,
         "Size of the storage in GiB; update it to grow the storage"),
    ATTR("occi.storage.state", OCCI_TYPE_STRING, 0, 0, "offline", storage_states,
         "Current state of the storage"),
    ATTR("occi.storage.state.message", OCCI_TYPE_STRING, 0, 0, NULL, NULL,
         "Human-readable explanation of the current state"),
};

static const char *const storage_actions[] = {
    INFRA_STORAGE_ACTION "online", INFRA_STORAGE_ACTION "offline", NULL
};

static const occi_category infra_storage = {
    OCCI_CLASS_KIND, OCCI_SCHEME_INFRA, "storage", "Storage Resource", "/storage/",
    OCCI_SCHEME_CORE "resource", NULL, NULL,
    storage_attributes, N(storage_attributes), storage_actions, 0
};
static const occi_category storage_online = {
    OCCI_CLASS_ACTION, INFRA_STORAGE_ACTION, "online", "Bring the storage online",
    NULL, NULL, NULL, NULL, NULL, 0, NULL, 0
};
static const occi_category storage_offline = {
    OCCI_CLASS_ACTION, INFRA_STORAGE_ACTION, "offline", "Take the storage offline",
    NULL, NULL, NULL, NULL, NULL, 0, NULL, 0
};

/* ---- Network ------------------------------------------------------- */

static const occi_attribute_def network_attributes[] = {
    ATTR_RANGE("occi.network.vlan", 1, 0, NULL, 0, 4095, "802.1q VLAN identifier"),
    ATTR("occi.network.label", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "Tag naming the network"),
    ATTR("occi.network.state", OCCI_TYPE_STRING, 0, 0, "inactive", link_states,
         "Current state of the network"),
    ATTR("occi.network.state.message", OCCI_TYPE_STRING, 0, 0, NULL, NULL,
         "Human-readable explanation of the current state"),
};

static const char *const network_actions[] = {
    INFRA_NETWORK_ACTION "up", INFRA_NETWORK_ACTION "down", NULL
};

static const occi_category infra_network = {
    OCCI_CLASS_KIND, OCCI_SCHEME_INFRA, "network", "Network Resource", "/network/",
    OCCI_SCHEME_CORE "resource", NULL, NULL,
    network_attributes, N(network_attributes), network_actions, 0
};
static const occi_category network_up = {
    OCCI_CLASS_ACTION, INFRA_NETWORK_ACTION, "up", "Bring the network up",
    NULL, NULL, NULL, NULL, NULL, 0, NULL, 0
};
static const occi_category network_down = {
    OCCI_CLASS_ACTION, INFRA_NETWORK_ACTION, "down", "Take the network down",
    NULL, NULL, NULL, NULL, NULL, 0, NULL, 0
};

/* ---- Links --------------------------------------------------------- */

static const occi_attribute_def storagelink_attributes[] = {
    ATTR("occi.storagelink.deviceid", OCCI_TYPE_STRING, 1, 1, NULL, NULL,
         "Device the storage appears as in the compute instance (vdb, /dev/vdb)"),
    ATTR("occi.storagelink.mountpoint", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "Where the guest mounts the storage"),
    ATTR("occi.storagelink.state", OCCI_TYPE_STRING, 0, 0, "inactive", link_states,
         "Current state of the link"),
    ATTR("occi.storagelink.state.message", OCCI_TYPE_STRING, 0, 0, NULL, NULL,
         "Human-readable explanation of the current state"),
};

static const occi_category infra_storagelink = {
    OCCI_CLASS_KIND, OCCI_SCHEME_INFRA, "storagelink", "StorageLink Link", "/storagelink/",
    OCCI_SCHEME_CORE "link", NULL, NULL,
    storagelink_attributes, N(storagelink_attributes), NULL, 0
};

static const occi_attribute_def networkinterface_attributes[] = {
    ATTR("occi.networkinterface.interface", OCCI_TYPE_STRING, 0, 0, NULL, NULL,
         "Name of the interface inside the compute instance (eth0)"),
    ATTR("occi.networkinterface.mac", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "MAC address of the interface; generated when not given"),
    ATTR("occi.networkinterface.state", OCCI_TYPE_STRING, 0, 0, "inactive", link_states,
         "Current state of the interface"),
    ATTR("occi.networkinterface.state.message", OCCI_TYPE_STRING, 0, 0, NULL, NULL,
         "Human-readable explanation of the current state"),
};

static const occi_category infra_networkinterface = {
    OCCI_CLASS_KIND, OCCI_SCHEME_INFRA, "networkinterface", "NetworkInterface Link",
    "/networkinterface/", OCCI_SCHEME_CORE "link", NULL, NULL,
    networkinterface_attributes, N(networkinterface_attributes), NULL, 0
};

/* ---- Mixins -------------------------------------------------------- */

static const occi_attribute_def ipnetwork_attributes[] = {
    ATTR("occi.network.address", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "IP range of the network in CIDR notation (192.168.0.0/24)"),
    ATTR("occi.network.gateway", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "IP address of the network's gateway"),
    ATTR("occi.network.allocation", OCCI_TYPE_STRING, 1, 0, "dynamic", allocations,
         "dynamic: addresses come from DHCP; static: addresses are set by hand"),
};

static const occi_category infra_ipnetwork = {
    OCCI_CLASS_MIXIN, INFRA_NETWORK_MIXIN, "ipnetwork", "IP network",
    "/mixin/ipnetwork/", NULL, NULL, applies_network,
    ipnetwork_attributes, N(ipnetwork_attributes), NULL, 0
};

static const occi_attribute_def ipnetworkinterface_attributes[] = {
    ATTR("occi.networkinterface.address", OCCI_TYPE_STRING, 1, 1, NULL, NULL,
         "IP address of the interface"),
    ATTR("occi.networkinterface.gateway", OCCI_TYPE_STRING, 1, 0, NULL, NULL,
         "IP address of the interface's gateway"),
    ATTR("occi.networkinterface.allocation", OCCI_TYPE_STRING, 1, 0, "dynamic", allocations,
         "dynamic: the address comes from DHCP; static: it is fixed"),
};

static const occi_category infra_ipnetworkinterface = {
    OCCI_CLASS_MIXIN, INFRA_NETIF_MIXIN, "ipnetworkinterface", "IP network interface",
    "/mixin/ipnetworkinterface/", NULL, NULL, applies_netif,
    ipnetworkinterface_attributes, N(ipnetworkinterface_attributes), NULL, 0
};

static const occi_category infra_os_tpl = {
    OCCI_CLASS_MIXIN, OCCI_SCHEME_INFRA, "os_tpl", "OS template", "/mixin/os_tpl/",
    NULL, NULL, applies_compute, NULL, 0, NULL, 0
};

static const occi_category infra_resource_tpl = {
    OCCI_CLASS_MIXIN, OCCI_SCHEME_INFRA, "resource_tpl", "Resource template",
    "/mixin/resource_tpl/", NULL, NULL, applies_compute, NULL, 0, NULL, 0
};

static const occi_attribute_def ssh_key_attributes[] = {
    ATTR("occi.credentials.ssh.publickey", OCCI_TYPE_STRING, 1, 1, NULL, NULL,
         "SSH public key (the content of an id_*.pub file) installed for login"),
};

static const occi_category infra_ssh_key = {
    OCCI_CLASS_MIXIN, INFRA_CREDENTIALS, "ssh_key", "SSH key", "/mixin/ssh_key/",
    NULL, NULL, applies_compute, ssh_key_attributes, N(ssh_key_attributes), NULL, 0
};

static const occi_attribute_def user_data_attributes[] = {
    ATTR("occi.compute.userdata", OCCI_TYPE_STRING, 1, 1, NULL, NULL,
         "Base64-encoded data handed to the instance at boot (cloud-init user data)"),
};

static const occi_category infra_user_data = {
    OCCI_CLASS_MIXIN, INFRA_COMPUTE_MIXIN, "user_data", "User data", "/mixin/user_data/",
    NULL, NULL, applies_compute, user_data_attributes, N(user_data_attributes), NULL, 0
};

/* Kinds first (parents before children), then actions, then mixins: the
 * order every rendering of the query interface follows. */
static const occi_category *const standard_categories[] = {
    &core_entity, &core_resource, &core_link,
    &infra_compute, &infra_storage, &infra_network,
    &infra_storagelink, &infra_networkinterface,
    &compute_start, &compute_stop, &compute_restart, &compute_suspend, &compute_save,
    &storage_online, &storage_offline, &network_up, &network_down,
    &infra_ipnetwork, &infra_ipnetworkinterface, &infra_os_tpl, &infra_resource_tpl,
    &infra_ssh_key, &infra_user_data,
};

void occi_model_add_standard(occi_model *model)
{
    int i;

    for (i = 0; i < N(standard_categories); i++) {
        /* The table has no clashes; a message here is a bug in it. */
        (void)occi_model_add(model, standard_categories[i]);
    }
}
