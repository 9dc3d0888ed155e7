#include "symbols.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <vector>

namespace faultline::asio_detail {
namespace {

struct Symbol {
  std::uintptr_t begin, end;
  std::string name;
};

/// The executable's static symbol table (functions only), relocated to where it is loaded.
std::vector<Symbol> read_executable_symbols() {
  std::vector<Symbol> out;
  int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(Elf64_Ehdr))) {
    ::close(fd);
    return out;
  }
  auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return out;
  const auto* base = static_cast<const unsigned char*>(map);
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(base);
  std::uintptr_t load = 0;
  dl_iterate_phdr([](dl_phdr_info* info, std::size_t, void* data) {
    *static_cast<std::uintptr_t*>(data) = info->dlpi_addr;  // the first object is the executable
    return 1;
  }, &load);
  bool ok = std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
            eh->e_shoff + std::size_t{eh->e_shnum} * sizeof(Elf64_Shdr) <= size;
  for (int i = 0; ok && i < eh->e_shnum; ++i) {
    const auto* sh = reinterpret_cast<const Elf64_Shdr*>(base + eh->e_shoff) + i;
    if (sh->sh_type != SHT_SYMTAB || sh->sh_link >= eh->e_shnum) continue;
    const auto* strtab = reinterpret_cast<const Elf64_Shdr*>(base + eh->e_shoff) + sh->sh_link;
    if (sh->sh_offset + sh->sh_size > size || strtab->sh_offset + strtab->sh_size > size) continue;
    const auto* syms = reinterpret_cast<const Elf64_Sym*>(base + sh->sh_offset);
    for (std::size_t k = 0; k < sh->sh_size / sizeof(Elf64_Sym); ++k) {
      if (ELF64_ST_TYPE(syms[k].st_info) != STT_FUNC || syms[k].st_value == 0 || syms[k].st_name >= strtab->sh_size) continue;
      const char* name = reinterpret_cast<const char*>(base + strtab->sh_offset + syms[k].st_name);
      std::uintptr_t begin = load + syms[k].st_value;
      out.push_back({begin, begin + std::max<std::uint64_t>(syms[k].st_size, 1), strnlen(name, strtab->sh_size - syms[k].st_name) < strtab->sh_size ? name : ""});
    }
  }
  ::munmap(map, size);
  std::sort(out.begin(), out.end(), [](const Symbol& a, const Symbol& b) { return a.begin < b.begin; });
  return out;
}

std::string demangle(const std::string& mangled) {
  // GCC names a coroutine's resume function "<f>P<frame type>E<n><f's mangled name>.Frame.actor".
  static const std::regex gcc_actor(R"(^_Z.*E\d+(_Z.*)\.Frame\.actor$)");
  std::smatch m;
  std::string name = std::regex_match(mangled, m, gcc_actor) ? m[1].str() : mangled;
  int status = 0;
  char* d = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
  std::string out = status == 0 && d != nullptr ? d : name;
  std::free(d);
  return out;
}

}  // namespace

std::string function_name_at(const void* address) {
  Dl_info info{};
  if (dladdr(address, &info) != 0 && info.dli_sname != nullptr) return demangle(info.dli_sname);
  static const std::vector<Symbol> symbols = read_executable_symbols();
  auto a = reinterpret_cast<std::uintptr_t>(address);
  auto it = std::upper_bound(symbols.begin(), symbols.end(), a, [](std::uintptr_t x, const Symbol& s) { return x < s.begin; });
  if (it == symbols.begin()) return "";
  --it;
  return a < it->end ? demangle(it->name) : "";
}

}  // namespace faultline::asio_detail
