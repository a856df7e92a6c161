/**
 * Messages of the sign-in, sign-up and reset pages for people who are already signed in, or were signed out from
 * elsewhere, and of the one-screen phone + code form; kept apart from the main catalogue.
 */
export const guestEn = {
  'guest.alreadySignedIn': 'You are already signed in.',
  'ended.others': 'You were signed out on this device from another device or session. Sign in again to continue.',
  'ended.reset': 'You were signed out on this device because the password of your account was reset. Sign in again to continue.',
  'ended.upstream': 'You were signed out on this device from elsewhere: the account service no longer accepts this sign-in (it was ended there, for example by an administrator). Sign in again to continue.',
  'sms.getCode': 'Get code',
  'sms.orPhone': 'Or use your mobile number',
} as const;

export const guestZh: Record<keyof typeof guestEn, string> = {
  'guest.alreadySignedIn': '你已经登录了。',
  'ended.others': '你在这台设备上的登录已被另一台设备或另一个会话退出。请重新登录后继续。',
  'ended.reset': '由于你的账号密码已被重置，你在这台设备上的登录已退出。请重新登录后继续。',
  'ended.upstream': '你在这台设备上的登录已在别处被结束：账号服务不再接受此次登录（例如已被管理员结束）。请重新登录后继续。',
  'sms.getCode': '获取验证码',
  'sms.orPhone': '或使用手机号',
};
