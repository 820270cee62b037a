// C++17 at -O0 and -O2: two namespaced global std::mutex objects taken in both orders. They
// are named by their demangled symbols.
// EXPECT-EXIT: 66
// EXPECT-REPORT: circular svc::registry_mu svc::config_mu
// EXPECT-COUNT: circular=1
#include <mutex>

namespace svc {
std::mutex registry_mu, config_mu;
int entries;

void reload()
{
    std::lock_guard<std::mutex> c(config_mu);
    std::lock_guard<std::mutex> r(registry_mu);
    entries++;
}

void add()
{
    std::lock_guard<std::mutex> r(registry_mu);
    std::lock_guard<std::mutex> c(config_mu);
    entries++;
}
}

int main()
{
    svc::reload();
    svc::add();
    return svc::entries == 2 ? 0 : 1;
}
